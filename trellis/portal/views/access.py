"""Signing in and out, forgot password, and accepting an invitation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from trellis.accounts.attempts import bad_link_posted, link_guessing_stopped
from trellis.accounts.devices import device_remember
from trellis.accounts.invitations import (
    INVITATION_NO_LONGER_VALID,
    InviteRefused,
    invitation_accept,
)
from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.accounts.passwords import password_reset_complete, password_reset_request
from trellis.accounts.preview import preview_of
from trellis.accounts.sign_in import SignInRefused, sign_in_check
from trellis.accounts.tokens import TokenInvalid, token_find
from trellis.next_page import next_page_or
from trellis.portal.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from trellis.portal.preview import changes_something
from trellis.request_context import client_ip
from trellis.security_log import security_event

if TYPE_CHECKING:  # the type-checking helpers are a development dependency
    from django_stubs_ext import StrOrPromise

BACKEND = "trellis.accounts.backends.EmailBackend"
Kind = AccessAttempt.Kind
Result = AccessAttempt.Result


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _signed_in(request: HttpRequest, user: User, response: HttpResponse) -> HttpResponse:
    """After login(): this browser is trusted for the account from now on, and
    the portal speaks the customer's language."""
    device_remember(request=request, response=response, user=user)
    return _with_language_cookie(response, user.contact.language)  # type: ignore[union-attr]


def _link_refused(request: HttpRequest, *, kind: str, message: StrOrPromise = "") -> HttpResponse:
    """A link that does not work. A POST of one is recorded: too many from
    one address in an hour and its posts are refused for a while (someone is
    guessing links), see _links_throttled."""
    if request.method == "POST":
        bad_link_posted(kind=kind, ip=client_ip(request))
    return render(request, "portal/link_invalid.html", {"message": message}, status=404)


def _links_throttled(request: HttpRequest, *, kind: str) -> HttpResponse | None:
    if request.method != "POST" or not link_guessing_stopped(kind=kind, ip=client_ip(request)):
        return None
    message = _(
        "Too many links that do not work were used from your network. Wait an hour and "
        "try again, or ask the company for a new link."
    )
    return render(request, "portal/link_invalid.html", {"message": message}, status=429)


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
            user = sign_in_check(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                side=AccessAttempt.Side.PORTAL,
            )
        except SignInRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            login(request, user, backend=BACKEND)
            target = next_page_or(request, "portal:home")
            return _signed_in(request, user, redirect(target))
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
    if throttled := _links_throttled(request, kind=Kind.RESET_LINK):
        return throttled
    try:
        access = token_find(raw=token, purpose=AccessToken.Purpose.PASSWORD_RESET)
    except TokenInvalid:
        return _link_refused(request, kind=Kind.RESET_LINK)
    user = getattr(access.contact, "portal_account", None)
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_reset_complete(
                raw_token=token, password=form.cleaned_data["new_password"]
            )
        except TokenInvalid:
            return _link_refused(request, kind=Kind.RESET_LINK)
        security_event("password.reset", user=user, outcome="succeeded")
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
    if throttled := _links_throttled(request, kind=Kind.INVITATION):
        return throttled
    try:
        access = token_find(raw=token, purpose=AccessToken.Purpose.INVITATION)
    except TokenInvalid:
        return _link_refused(request, kind=Kind.INVITATION, message=INVITATION_NO_LONGER_VALID)
    contact = access.contact
    if contact is None:  # an invitation is a contact's (a database constraint): never
        return _link_refused(request, kind=Kind.INVITATION, message=INVITATION_NO_LONGER_VALID)
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
            return _link_refused(request, kind=Kind.INVITATION, message=INVITATION_NO_LONGER_VALID)
        security_event("invitation.accepted", user=user, outcome="succeeded")
        logout(request)
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome! Your account is ready."))
        return _signed_in(request, user, redirect("portal:home"))
    return render(request, "portal/invitation.html", {"form": form, "contact": contact})
