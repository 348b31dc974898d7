"""Session lifetime and two-factor sign-in, on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from trellis.accounts.two_factor import two_factor_enabled, two_factor_required

SIGNED_IN_AT = "trellis.signed_in_at"
SEEN_AT = "trellis.seen_at"
# Refresh "last seen" at most this often, so a page view rarely writes the session.
SEEN_RESOLUTION_SECONDS = 60


def session_clock_start(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """Connected to user_logged_in in AccountsConfig.ready()."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now


class SessionLifetimeMiddleware:
    """Ends a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            signed_in_at = request.session.get(SIGNED_IN_AT, 0)
            seen_at = request.session.get(SEEN_AT, 0)
            idle = now - seen_at > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - signed_in_at > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                logout(request)
            elif now - seen_at >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Holds a signed-in account at its second step until it is done.

    After django-otp's OTPMiddleware, which says whether this session was
    verified with a device (request.user.is_verified()). An account with an
    authenticator app whose session is not verified sees only the code page of
    its side; staff who must use two-factor (trellis.accounts.two_factor) and
    have no app yet see only the set-up page. Signing in and out, the language
    switch, static files and OPEN_TO_EVERYONE stay open to them. A staff member
    viewing the portal as a customer is held like on any other page: a preview
    is a staff session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        held = held_at(request)
        if held is not None and not _open_to(held, request.path_info):
            target = reverse(held)
            if request.method == "GET" and not request.headers.get("HX-Request"):
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


# The code page of each side, and the set-up page for staff who must use it.
PORTAL_VERIFY = "portal:two-factor-verify"
OFFICE_VERIFY = "office-two-factor:verify"
OFFICE_SET_UP = "office-two-factor:set-up"


def held_at(request: HttpRequest) -> str | None:
    """The page this request's account must finish at, or None if it is free."""
    user = request.user
    if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]
        return None
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return None
    staff = user.is_staff
    # Read with the account at the start of this request (EmailBackend.get_user);
    # an account signed in during this request has it looked up.
    enabled = getattr(user, "has_authenticator", None)
    if two_factor_enabled(user) if enabled is None else enabled:
        return OFFICE_VERIFY if staff else PORTAL_VERIFY
    if staff and two_factor_required(user):
        return OFFICE_SET_UP
    return None


# Pages for someone who cannot sign in, open to everyone: the office's forgot
# password and the page of a set-password link (trellis/office/views/staff_password.py).
OPEN_TO_EVERYONE = {"office:password-forgot", "office:password-set"}


def _open_to(held: str, path: str) -> bool:
    if path in _open_paths(held):
        return True
    try:
        return resolve(path).view_name in OPEN_TO_EVERYONE
    except Resolver404:
        return False


def _open_paths(held: str) -> set[str]:
    """The page itself, signing in (as someone else) and out, the language switch."""
    side = ("office:sign-in", "office:sign-out") if held.startswith("office") else (
        "portal:sign-in", "portal:sign-out"
    )  # fmt: skip
    return {reverse(name) for name in (held, *side, "set_language")}
