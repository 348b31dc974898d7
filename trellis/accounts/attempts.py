"""Recording sign-in and forgot-password attempts, and throttling them.

Throttling counts recent failures in a sliding window, per email typed and per
IP address: it slows guessing down without ever locking an account for good,
and it treats unknown and known emails alike, so it reveals nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, User

Result = AccessAttempt.Result

# Forgot-password requests per email an hour, so nobody can flood a mailbox.
RESETS_PER_EMAIL_PER_HOUR = 3


def normalized(email: str) -> str:
    return email.strip().lower()[:320]


def attempt_record(
    *, kind: str, email: str, ip: str | None, result: str, user: User | None = None
) -> AccessAttempt:
    return AccessAttempt.objects.create(
        kind=kind, email_tried=normalized(email), ip_address=ip, result=result, user=user
    )


def sign_in_throttled(*, email: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES)
    failures = AccessAttempt.objects.filter(
        kind=AccessAttempt.Kind.SIGN_IN,
        created_at__gte=since,
        result=Result.WRONG_CREDENTIALS,
    )
    if failures.filter(email_tried=normalized(email)).count() >= (
        settings.SIGN_IN_FAILURES_PER_EMAIL
    ):
        return True
    return ip is not None and failures.filter(ip_address=ip).count() >= (
        settings.SIGN_IN_FAILURES_PER_IP
    )


def password_reset_throttled(*, email: str) -> bool:
    since = timezone.now() - timedelta(hours=1)
    recent = AccessAttempt.objects.filter(
        kind=AccessAttempt.Kind.PASSWORD_RESET,
        email_tried=normalized(email),
        created_at__gte=since,
    )
    return recent.count() >= RESETS_PER_EMAIL_PER_HOUR
