"""One sign-in check for the portal and the office (see trellis.accounts.attempts
for what is counted, and trellis.accounts.devices for the browsers trusted)."""

from __future__ import annotations

from typing import Any, TypeGuard

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trellis.accounts.attempts import (
    attempt_correct,
    attempt_record,
    device_distrusted,
    sign_in_throttled,
)
from trellis.accounts.devices import device_for_account
from trellis.accounts.models import AccessAttempt, User
from trellis.accounts.selectors import account_for_sign_in_email
from trellis.request_context import client_ip
from trellis.security_log import security_event

Result = AccessAttempt.Result
Side = AccessAttempt.Side

# One message for an unknown email, a wrong password and an invitation not yet
# accepted: the sign-in page must not tell who has an account.
SIGN_IN_FAILED = _(
    "The email or password is not correct. If you were invited but have not created "
    "your account yet, use the link in your invitation email."
)
# The office's, for a wrong password and for an account that is not staff alike.
OFFICE_SIGN_IN_FAILED = _(
    "The email or password is not correct, or this is not a staff account. "
    "Customers sign in to the customer portal."
)
SIGN_IN_THROTTLED = _(
    "Too many attempts to sign in. Wait a few minutes and try again. A browser you "
    "have signed in with before can still sign in with the right password."
)


class SignInRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _may_sign_in(user: Any, side: str) -> TypeGuard[User]:
    if not isinstance(user, User):
        return False
    # Staff sign in at the office and customers at the portal; each gets the
    # same answer as a wrong password on the other side.
    return user.is_staff if side == Side.OFFICE else user.is_customer


def sign_in_check(*, request: HttpRequest, email: str, password: str, side: str) -> User:
    """The account these credentials open on `side` ("portal" or "office"),
    or SignInRefused.

    Every attempt is recorded. A browser with a trusted device cookie for the
    account is counted only against that cookie; any other is refused after
    too many recent failures for the account or from its address.
    """
    ip = client_ip(request)
    account = account_for_sign_in_email(email=email)
    device = device_for_account(request=request, user=account)
    if device is not None and device_distrusted(device=device):
        device = None
    trusted = device is not None
    # Recorded as a failure before the password is checked, so that attempts
    # made at the same moment count against each other, and then corrected.
    attempt = attempt_record(
        kind=AccessAttempt.Kind.SIGN_IN,
        side=side,
        email=email,
        ip=ip,
        device=device or "",
        result=Result.WRONG_CREDENTIALS,
        user=account,
    )

    if not trusted and sign_in_throttled(email=email, ip=ip, besides=attempt):
        attempt_correct(attempt, result=Result.THROTTLED)
        security_event("sign_in.throttled", user=account, outcome="refused", side=side)
        raise SignInRefused(str(SIGN_IN_THROTTLED))

    user = authenticate(request, username=email, password=password)
    if not _may_sign_in(user, side):
        security_event(
            "sign_in.failed", user=account, outcome="refused", side=side, trusted_device=trusted
        )
        raise SignInRefused(str(OFFICE_SIGN_IN_FAILED if side == Side.OFFICE else SIGN_IN_FAILED))
    attempt_correct(attempt, result=Result.SIGNED_IN, user=user)
    security_event(
        "sign_in.succeeded", user=user, outcome="succeeded", side=side, trusted_device=trusted
    )
    return user


def sign_out_record(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_out receiver: the portal's sign-out and the office's (its own
    page, or the raw-data admin's logout)."""
    if user is None:
        return
    match = getattr(request, "resolver_match", None)
    office = match is not None and match.namespace in {"office", "admin"}
    side = Side.OFFICE if office else Side.PORTAL
    security_event("sign_out", user=user, outcome="succeeded", side=side)
