"""Device cookies, as OWASP's "Slow down online guessing attacks with device
cookies" describes them.

A browser that signs in to an account gets a signed cookie naming that account
and a random nonce. A later attempt at the same account with that cookie is
counted only against the nonce: strangers guessing the account's password, or
sharing the browser's address, do not lock its owner out. A nonce that fails
too often stops being trusted (trellis.accounts.attempts.device_distrusted),
and the browser is then counted like any other until the window slides on.

The cookie is signed with SECRET_KEY, so nobody can make one for an account
they never signed in to; it holds account ids and nonces, nothing else.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from trellis.accounts.models import User

SALT = "trellis.accounts.device"
# One browser may be shared by a few people (a household, a front desk).
ACCOUNTS_PER_DEVICE = 5


def device_cookie_name() -> str:
    # The __Host- prefix makes the browser refuse the cookie unless it is
    # Secure, for the whole host, and set by this host itself.
    return "__Host-trellis_device" if settings.SESSION_COOKIE_SECURE else "trellis_device"


def _max_age() -> timedelta:
    return timedelta(days=settings.DEVICE_COOKIE_DAYS)


def _entries(request: HttpRequest) -> list[tuple[int, str]]:
    raw = request.COOKIES.get(device_cookie_name())
    if not raw:
        return []
    try:
        data = signing.loads(raw, salt=SALT, max_age=_max_age())
    except signing.BadSignature:
        return []
    if not isinstance(data, list):
        return []
    return [
        (entry[0], entry[1])
        for entry in data
        if isinstance(entry, list)
        and len(entry) == 2
        and isinstance(entry[0], int)
        and isinstance(entry[1], str)
    ]


def device_for_account(*, request: HttpRequest, user: User | None) -> str | None:
    """The nonce of this browser's valid device cookie for the account, if any."""
    if user is None:
        return None
    return next((nonce for pk, nonce in _entries(request) if pk == user.pk), None)


def device_remember(*, request: HttpRequest, response: HttpResponse, user: User) -> None:
    """After a successful sign-in: trust this browser for the account, with a
    fresh nonce (the failures of an earlier one no longer matter)."""
    others = [(pk, nonce) for pk, nonce in _entries(request) if pk != user.pk]
    entries = [(user.pk, secrets.token_urlsafe(16)), *others][:ACCOUNTS_PER_DEVICE]
    response.set_cookie(
        device_cookie_name(),
        signing.dumps([list(entry) for entry in entries], salt=SALT, compress=True),
        max_age=int(_max_age().total_seconds()),
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
