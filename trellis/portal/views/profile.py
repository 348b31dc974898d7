"""The customer's own profile: names and language, sign-in email, password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from trellis.accounts.passwords import WrongPassword, password_change
from trellis.accounts.profile import profile_change_email, profile_update
from trellis.portal.decorators import customer_required, viewer_of
from trellis.portal.forms import ChangeEmailForm, ChangePasswordForm, ProfileForm

WRONG_CURRENT_PASSWORD = gettext_lazy("Your current password is not correct.")


def _profile_page(request: HttpRequest, **forms: Any) -> HttpResponse:
    viewer = viewer_of(request)
    contact = viewer.contact
    context: dict[str, Any] = {"contact": contact}
    if not viewer.preview:  # a preview shows the profile, never the forms that change it
        context |= {
            "profile_form": forms.get("profile_form")
            or ProfileForm(
                initial={
                    "first_name": contact.first_name,
                    "last_name": contact.last_name,
                    "language": contact.language,
                }
            ),
            "email_form": forms.get("email_form") or ChangeEmailForm(),
            "password_form": forms.get("password_form") or ChangePasswordForm(user=request.user),
        }
    status = 400 if forms else 200
    return render(request, "portal/profile.html", context, status=status)


@customer_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return _profile_page(request)


@customer_required(changes=True)
@require_POST
def profile_details(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, profile_form=form)
    contact = profile_update(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
    with translation.override(contact.language):  # say it in the language just chosen
        messages.success(request, _("Your profile has been successfully updated."))
    response = redirect("portal:profile")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        contact.language,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@sensitive_post_parameters("current_password")
@customer_required(changes=True)
@require_POST
def profile_email(request: HttpRequest) -> HttpResponse:
    form = ChangeEmailForm(request.POST)
    if form.is_valid():
        try:
            profile_change_email(
                user=request.user,  # type: ignore[arg-type]
                new_email=form.cleaned_data["new_email"],
                password=form.cleaned_data["current_password"],
            )
        except WrongPassword:
            form.add_error("current_password", WRONG_CURRENT_PASSWORD)
        except ValidationError as error:
            form.add_error("new_email", error)
        else:
            messages.success(request, _("Your profile has been successfully updated."))
            return redirect("portal:profile")
    return _profile_page(request, email_form=form)


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@customer_required(changes=True)
@require_POST
def profile_password(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            password_change(
                user=request.user,  # type: ignore[arg-type]
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except WrongPassword:
            form.add_error("current_password", WRONG_CURRENT_PASSWORD)
        else:
            # Every other session already ended with the old password; end this one.
            logout(request)
            messages.success(
                request, _("Your password has been changed. Sign in with your new password.")
            )
            return redirect("portal:sign-in")
    return _profile_page(request, password_form=form)
