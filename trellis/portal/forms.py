from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trellis.accounts.names import (
    FIRST_NAME_MESSAGE,
    LAST_NAME_MESSAGE,
    validate_first_name,
    validate_last_name,
)

if TYPE_CHECKING:  # the type-checking helpers are a development dependency
    from django_stubs_ext import StrOrPromise

VALID_EMAIL = _("Enter a valid email")
VALID_PASSWORD = _("Enter a valid password")


def email_field(label: StrOrPromise) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        error_messages={"required": VALID_EMAIL, "invalid": VALID_EMAIL},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def password_field(
    label: StrOrPromise, *, autocomplete: str, help_text: StrOrPromise = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        error_messages={"required": VALID_PASSWORD},
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignInForm(forms.Form):
    email = email_field(_("Email"))
    password = password_field(_("Password"), autocomplete="current-password")


class ForgotPasswordForm(forms.Form):
    email = email_field(_("Email"))


class NewPasswordForm(forms.Form):
    """A new password, typed twice and checked against the password rules."""

    new_password = password_field(
        _("New password"),
        autocomplete="new-password",
        help_text=_("At least 8 characters; not only numbers, and not a common password."),
    )
    new_password_again = password_field(_("New password again"), autocomplete="new-password")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password"), data.get("new_password_again")
        if first and second and first != second:
            self.add_error("new_password_again", _("The two passwords are not the same."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except ValidationError as error:
                self.add_error("new_password", [VALID_PASSWORD, *error.messages])
        return data


class NamesForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        validators=[validate_first_name],
        error_messages={"required": FIRST_NAME_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        validators=[validate_last_name],
        error_messages={"required": LAST_NAME_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )


class AcceptInvitationForm(NamesForm, NewPasswordForm):
    pass


class ProfileForm(NamesForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ChangeEmailForm(forms.Form):
    prefix = "email"  # the profile page has two "current password" fields
    new_email = email_field(_("New email"))
    current_password = password_field(_("Current password"), autocomplete="current-password")


class ChangePasswordForm(NewPasswordForm):
    prefix = "password"
    current_password = password_field(_("Current password"), autocomplete="current-password")

    field_order = ["current_password", "new_password", "new_password_again"]
