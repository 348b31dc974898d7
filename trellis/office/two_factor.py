"""Two-factor sign-in in the office: the code page after the password, setting
up the authenticator app, and recovery codes.

Superusers and staff who may change money or users must use it
(trellis.accounts.two_factor); TwoFactorMiddleware sends them here until they
have. Other staff may set it up too. A lost phone's device is removed by a
superuser, on the raw-data admin's "TOTP devices" page
(trellis/office/admin/two_factor.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.debug import sensitive_post_parameters

from trellis.accounts.models import User
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
    two_factor_required,
    two_factor_verify,
)
from trellis.next_page import next_page_or
from trellis.office.guard import staff_page

CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        error_messages={"required": "Enter the code from your app."},
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    status = 400 if getattr(context.get("form"), "errors", None) else 200
    return TemplateResponse(
        request,
        f"office/{template}",
        # No navigation until the second step is done (trellis/office/navigation.py).
        {"title": title, **context},
        status=status,
    )


@sensitive_post_parameters("code")
@staff_page()
def verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not two_factor_enabled(user):
        return redirect("office-two-factor:set-up" if two_factor_required(user) else "office:home")
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(next_page_or(request, "office:home"))
    form = CodeForm(request.POST or None)
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
                    "You signed in with a recovery code, which now no longer works. "
                    f"Recovery codes left: {verified.recovery_codes_left}. Make new ones "
                    f"at {reverse('office-two-factor:recovery-codes')}.",
                )
            return redirect(next_page_or(request, "office:home"))
    return _page(request, "two_factor_verify.html", "Enter your code", form=form)


@sensitive_post_parameters("code")
@staff_page()
def set_up(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enabled = totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except TwoFactorRefused as refusal:
            form.add_error("code", refusal.message)
        else:
            # The app was just proven to work: this session is verified with it.
            session_verify(request=request, device=enabled.device)
            messages.success(request, "Two-factor sign-in is on.")
            return _codes_page(request, enabled.recovery_codes)
    device = totp_device_pending(user=user)
    return _page(
        request,
        "two_factor_set_up.html",
        "Set up two-factor sign-in",
        form=form,
        required=two_factor_required(user),
        replacing=two_factor_enabled(user),
        qr_svg=totp_qr_svg(device, label="Scan this with your authenticator app"),
        key=totp_key_text(device),
    )


@staff_page()
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not two_factor_enabled(user):
        return redirect("office-two-factor:set-up")
    if request.method == "POST":
        codes = recovery_codes_regenerate(user=user)
        messages.success(request, "You have new recovery codes. The old ones no longer work.")
        return _codes_page(request, codes)
    return _page(
        request,
        "two_factor_recovery.html",
        "Two-factor sign-in",
        codes_left=recovery_codes_left(user=user),
    )


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # Rendered, never redirected to: the codes exist nowhere else to show again.
    return _page(request, "two_factor_recovery_codes.html", "Your recovery codes", codes=codes)


# Included by trellis/urls.py at /office/two-factor/, before the admin's own URLs.
urls = (
    [
        path("", verify, name="verify"),
        path("set-up/", set_up, name="set-up"),
        path("recovery-codes/", recovery_codes, name="recovery-codes"),
    ],
    "office-two-factor",
)
