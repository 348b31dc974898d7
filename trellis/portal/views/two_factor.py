"""Two-factor sign-in for customers: optional, set up under User Profile.

A customer who turned it on signs in with the password, then gives a code
from the app (or a recovery code) here; TwoFactorMiddleware keeps every other
page closed until then. The rules and the devices are trellis.accounts.two_factor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from trellis.accounts.middleware import OFFICE_VERIFY
from trellis.accounts.models import User
from trellis.accounts.passwords import WrongPassword
from trellis.accounts.two_factor import (
    TwoFactorRefused,
    recovery_codes_left,
    recovery_codes_regenerate,
    session_verify,
    totp_device_confirm,
    totp_device_pending,
    totp_key_text,
    totp_qr_svg,
    two_factor_enabled,
    two_factor_turn_off,
    two_factor_verify,
)
from trellis.next_page import next_page_or
from trellis.portal.decorators import customer_required
from trellis.portal.forms import password_field
from trellis.portal.views.profile import WRONG_CURRENT_PASSWORD

if TYPE_CHECKING:  # the type-checking helpers are a development dependency
    from django_stubs_ext import StrOrPromise

ENTER_THE_CODE = gettext_lazy("Enter the code from your app.")


def code_field(
    label: StrOrPromise, *, help_text: StrOrPromise = "", numeric: bool = False
) -> forms.CharField:
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
    if numeric:
        attrs["inputmode"] = "numeric"
    return forms.CharField(
        label=label,
        max_length=32,
        help_text=help_text,
        error_messages={"required": ENTER_THE_CODE},
        widget=forms.TextInput(attrs=attrs),
    )


class VerifyForm(forms.Form):
    code = code_field(
        gettext_lazy("Code"),
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
    )


class ConfirmForm(forms.Form):
    code = code_field(
        gettext_lazy("Code from the app"),
        help_text=gettext_lazy("The 6-digit code the app shows for this account."),
        numeric=True,
    )


class TurnOffForm(forms.Form):
    current_password = password_field(
        gettext_lazy("Current password"), autocomplete="current-password"
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    if not isinstance(request.user, User):
        return redirect("portal:sign-in")
    user = request.user
    if user.is_staff:  # staff give their code in the office, a preview included
        return redirect(OFFICE_VERIFY)
    if user.is_verified() or not two_factor_enabled(user):  # type: ignore[attr-defined]
        return redirect(next_page_or(request, "portal:home"))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = two_factor_verify(user=user, code=form.cleaned_data["code"])
        except TwoFactorRefused as refusal:
            form.add_error("code", refusal.message)
        else:
            session_verify(request=request, device=verified.device)
            if verified.recovery_code:
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code, which now no longer works. "
                        "Recovery codes left: %(left)s. You can make new ones under "
                        "User Profile."
                    )
                    % {"left": verified.recovery_codes_left},
                )
            return redirect(next_page_or(request, "portal:home"))
    return render(request, "portal/two_factor_verify.html", {"form": form})


@never_cache
@sensitive_post_parameters("current_password")
@customer_required(changes=True)
@require_http_methods(["GET", "POST"])
def two_factor_manage(request: HttpRequest) -> HttpResponse:
    """Whether two-factor sign-in is on; new recovery codes, or turning it off."""
    user: User = request.user  # type: ignore[assignment]
    form = TurnOffForm(request.POST if request.POST.get("action") == "turn_off" else None)
    if request.POST.get("action") == "recovery_codes":
        try:
            codes = recovery_codes_regenerate(user=user)
        except TwoFactorRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("portal:two-factor")
        messages.success(request, _("You have new recovery codes. The old ones no longer work."))
        return _recovery_codes_page(request, codes)
    if form.is_bound and form.is_valid():
        try:
            two_factor_turn_off(user=user, password=form.cleaned_data["current_password"])
        except WrongPassword:
            form.add_error("current_password", WRONG_CURRENT_PASSWORD)
        else:
            messages.success(
                request,
                _("Two-factor sign-in is off. You now sign in with your password only."),
            )
            return redirect("portal:profile")
    context = {
        "enabled": two_factor_enabled(user),
        "codes_left": recovery_codes_left(user=user),
        "turn_off_form": form if form.is_bound else TurnOffForm(),
    }
    return render(request, "portal/two_factor.html", context, status=400 if form.errors else 200)


@never_cache
@sensitive_post_parameters("code")
@customer_required(changes=True)
@require_http_methods(["GET", "POST"])
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enabled = totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except TwoFactorRefused as refusal:
            form.add_error("code", refusal.message)
        else:
            # The app was just proven to work: this session is verified with it.
            session_verify(request=request, device=enabled.device)
            messages.success(request, _("Two-factor sign-in is on."))
            return _recovery_codes_page(request, enabled.recovery_codes)
    device = totp_device_pending(user=user)
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device, label=_("Scan this with your authenticator app")),
        "key": totp_key_text(device),
        "replacing": two_factor_enabled(user),
    }
    return render(
        request, "portal/two_factor_set_up.html", context, status=400 if form.errors else 200
    )


def _recovery_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # Rendered, never redirected to: the codes exist nowhere else to show again.
    return render(request, "portal/two_factor_recovery_codes.html", {"codes": codes})
