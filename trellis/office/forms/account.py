"""A staff member's own password: changing it, or setting it through a link
(trellis/office/forms/staff_password.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation


def _password(label: str, autocomplete: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class NewPasswordForm(forms.Form):
    """A new password, typed twice; its rules are checked where it is set."""

    new_password = _password(
        "New password",
        "new-password",
        " ".join(password_validation.password_validators_help_texts()),
    )
    new_password_again = _password("New password again", "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords are not the same.")
        return data


class PasswordChangeForm(NewPasswordForm):
    current_password = _password("Current password", "current-password")
    field_order = ["current_password", "new_password", "new_password_again"]
