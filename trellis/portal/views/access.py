"""Signing in and out, forgot password, and accepting an invitation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from trellis.request_context import client_ip
from trellis.accounts.invitations import (
    INVITATION_NO_LONGER_VALID,
    InviteRefused,
    invitation_accept,
)
from trellis.accounts.models import AccessToken
from trellis.accounts.passwords import password_reset_complete, password_reset_request
from trellis.accounts.sign_in import SignInRefused, portal_sign_in_check
from trellis.accounts.tokens import TokenInvalid, token_find
from trellis.portal.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from trellis.portal.preview import changes_something, preview_of

BACKEND = "trellis.accounts.backends.EmailBackend"


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600
    )
    return response


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    # Staff viewing the portal as a customer are as good as signed in: signing
    # in here would end their own session, and the preview with it.
    customer = request.user.is_authenticated and getattr(request.user, "is_customer", False)
    if customer or preview_of(request) is not None:
        return redirect("portal:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = portal_sign_in_check(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except SignInRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            login(request, user, backend=BACKEND)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = ""
            response = redirect(target or "portal:home")
            return _with_language_cookie(response, user.contact.language)  # type: ignore[union-attr]
    return render(request, "portal/sign_in.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:sign-in")


@changes_something
@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"], ip=client_ip(request))
        return render(
            request, "portal/forgot_password_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "portal/forgot_password.html", {"form": form})


@changes_something
@sensitive_post_parameters("new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows the form; mail scanners that open links use nothing up.
    try:
        access = token_find(raw=token, purpose=AccessToken.Purpose.PASSWORD_RESET)
    except TokenInvalid:
        return render(request, "portal/link_invalid.html", status=404)
    user = getattr(access.contact, "portal_account", None)
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_complete(raw_token=token, password=form.cleaned_data["new_password"])
        except TokenInvalid:
            return render(request, "portal/link_invalid.html", status=404)
        logout(request)
        messages.success(
            request, _("Your password has been changed. Sign in with your new password.")
        )
        return redirect("portal:sign-in")
    return render(request, "portal/password_reset.html", {"form": form, "contact": access.contact})


@changes_something
@sensitive_post_parameters("new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows the form; mail scanners that open links use nothing up.
    try:
        access = token_find(raw=token, purpose=AccessToken.Purpose.INVITATION)
    except TokenInvalid:
        return render(
            request,
            "portal/link_invalid.html",
            {"message": INVITATION_NO_LONGER_VALID},
            status=404,
        )
    contact = access.contact
    initial = {"first_name": contact.first_name, "last_name": contact.last_name}
    form = AcceptInvitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                raw_token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["new_password"],
            )
        except (TokenInvalid, InviteRefused):
            return render(
                request,
                "portal/link_invalid.html",
                {"message": INVITATION_NO_LONGER_VALID},
                status=404,
            )
        logout(request)
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome! Your account is ready."))
        return _with_language_cookie(redirect("portal:home"), contact.language)
    return render(request, "portal/invitation.html", {"form": form, "contact": contact})
