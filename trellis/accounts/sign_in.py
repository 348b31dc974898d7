from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trellis.accounts.attempts import attempt_record, sign_in_throttled
from trellis.accounts.models import AccessAttempt, User
from trellis.accounts.selectors import account_for_sign_in_email
from trellis.request_context import client_ip

Result = AccessAttempt.Result

# One message for an unknown email, a wrong password and an invitation not yet
# accepted: the sign-in page must not tell who has an account.
SIGN_IN_FAILED = _(
    "The email or password is not correct. If you were invited but have not created "
    "your account yet, use the link in your invitation email."
)
SIGN_IN_THROTTLED = _("Too many attempts to sign in. Wait a few minutes and try again.")


class SignInRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def portal_sign_in_check(*, request: HttpRequest, email: str, password: str) -> User:
    """The customer account these credentials open, or SignInRefused.

    Every attempt is recorded, and failures are throttled per email and per IP.
    """
    ip = client_ip(request)
    kind = AccessAttempt.Kind.SIGN_IN
    if sign_in_throttled(email=email, ip=ip):
        attempt_record(kind=kind, email=email, ip=ip, result=Result.THROTTLED)
        raise SignInRefused(str(SIGN_IN_THROTTLED))
    user = authenticate(request, username=email, password=password)
    if not isinstance(user, User) or not user.is_customer:
        # Staff sign in at the back office; here they get the same answer as anyone.
        attempt_record(
            kind=kind,
            email=email,
            ip=ip,
            result=Result.WRONG_CREDENTIALS,
            user=account_for_sign_in_email(email=email),
        )
        raise SignInRefused(str(SIGN_IN_FAILED))
    attempt_record(kind=kind, email=email, ip=ip, result=Result.SIGNED_IN, user=user)
    return user
