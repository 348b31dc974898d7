"""Recording sign-in, forgot-password and link attempts, and throttling them.

Throttling counts recent failures in a sliding window: it slows guessing down
without ever locking an account for good, and it treats unknown and known
emails alike, so it reveals nothing. Failures are counted per account (the
email folded by `account_key`, so look-alike spellings share one bucket) and
per client address; a browser with a device cookie for the account is counted
on its own instead (trellis.accounts.sign_in, trellis.accounts.devices).
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from anyascii import anyascii
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, User
from trellis.security_log import security_event

Kind = AccessAttempt.Kind
Result = AccessAttempt.Result

# Forgot-password requests per email an hour, so nobody can flood a mailbox.
RESETS_PER_EMAIL_PER_HOUR = 3

# anyascii transliterates (Cyrillic er is "r", Greek nu is "n"), which is not
# what a letter looks like. These letters look like a different Latin letter
# than their transliteration, so they are folded by shape first. The rest
# (dotless i, fullwidth letters, accents, Cyrillic a, e, o, i, k, m, t, ...)
# NFKC and anyascii already bring to the Latin letter they look like.
LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic (lower case: casefold comes first)
        "\N{CYRILLIC SMALL LETTER VE}": "b",
        "\N{CYRILLIC SMALL LETTER EN}": "h",
        "\N{CYRILLIC SMALL LETTER ER}": "p",
        "\N{CYRILLIC SMALL LETTER ES}": "c",
        "\N{CYRILLIC SMALL LETTER U}": "y",
        "\N{CYRILLIC SMALL LETTER HA}": "x",
        "\N{CYRILLIC SMALL LETTER DZE}": "s",
        "\N{CYRILLIC SMALL LETTER KOMI DE}": "d",
        "\N{CYRILLIC SMALL LETTER SHHA}": "h",
        "\N{CYRILLIC SMALL LETTER PALOCHKA}": "l",
        "\N{CYRILLIC SMALL LETTER QA}": "q",
        "\N{CYRILLIC SMALL LETTER WE}": "w",
        "\N{CYRILLIC SMALL LETTER STRAIGHT U}": "y",
        "\N{CYRILLIC SMALL LETTER JE}": "j",
        # Greek
        "\N{GREEK SMALL LETTER BETA}": "b",
        "\N{GREEK SMALL LETTER ETA}": "n",
        "\N{GREEK SMALL LETTER NU}": "v",
        "\N{GREEK SMALL LETTER RHO}": "p",
        "\N{GREEK SMALL LETTER UPSILON}": "u",
        "\N{GREEK SMALL LETTER CHI}": "x",
        "\N{GREEK SMALL LETTER OMEGA}": "w",
        "\N{GREEK SMALL LETTER GAMMA}": "y",
        "\N{GREEK LUNATE SIGMA SYMBOL}": "c",
        "\N{GREEK LETTER YOT}": "j",
    }
)


def normalized(email: str) -> str:
    """The email as support reads it: trimmed, lower case."""
    return email.strip().lower()[:320]


def account_key(email: str) -> str:
    """The throttling bucket of an email: NFKC, case-folded, look-alike letters
    folded to the ASCII they look like, so "kevin@...", "KEVIN@...", and the
    same with a dotless i or a Cyrillic e, all count against one account."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())
    ascii_only = anyascii(folded.translate(LOOK_ALIKES)).lower()
    return "".join(ascii_only.split())[:320]


def attempt_record(
    *,
    kind: str,
    email: str,
    ip: str | None,
    result: str,
    user: User | None = None,
    side: str = AccessAttempt.Side.PORTAL,
    device: str = "",
) -> AccessAttempt:
    return AccessAttempt.objects.create(
        kind=kind,
        side=side,
        email_tried=normalized(email),
        account_key=account_key(email),
        ip_address=ip,
        device=device,
        result=result,
        user=user,
    )


def attempt_correct(attempt: AccessAttempt, *, result: str, user: User | None = None) -> None:
    """Set the outcome of an attempt recorded before it was known."""
    attempt.result = result
    attempt.user = user or attempt.user
    attempt.save(update_fields=["result", "user"])


def _sign_in_failures() -> QuerySet[AccessAttempt]:
    since = timezone.now() - timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES)
    return AccessAttempt.objects.filter(
        kind=Kind.SIGN_IN, created_at__gte=since, result=Result.WRONG_CREDENTIALS
    )


def sign_in_throttled(*, email: str, ip: str | None, besides: AccessAttempt | None = None) -> bool:
    """Whether a browser without a trusted device cookie is refused: too many
    recent failures from such browsers for this account, or from this address.
    Failures made through a trusted device count only against that device.
    `besides` is the attempt being decided, not counted against itself."""
    failures = _sign_in_failures().filter(device="")
    if besides is not None:
        failures = failures.exclude(pk=besides.pk)
    if failures.filter(account_key=account_key(email)).count() >= (
        settings.SIGN_IN_FAILURES_PER_EMAIL
    ):
        return True
    return ip is not None and failures.filter(ip_address=ip).count() >= (
        settings.SIGN_IN_FAILURES_PER_IP
    )


def device_distrusted(*, device: str) -> bool:
    """Whether a device cookie failed too often lately to be trusted: it is
    then treated like any stranger's browser until the window slides on."""
    failures = _sign_in_failures().filter(device=device).count()
    return failures >= settings.SIGN_IN_FAILURES_PER_DEVICE


def password_reset_throttled(*, email: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(hours=1)
    # Refused requests do not count, so the window frees up an hour after the
    # last request that was handled, however long someone keeps knocking.
    recent = AccessAttempt.objects.filter(kind=Kind.PASSWORD_RESET, created_at__gte=since).exclude(
        result=Result.THROTTLED
    )
    if recent.filter(account_key=account_key(email)).count() >= RESETS_PER_EMAIL_PER_HOUR:
        return True
    return ip is not None and recent.filter(ip_address=ip).count() >= (
        settings.FORGOT_PASSWORD_PER_IP_PER_HOUR
    )


def bad_links_throttled(*, ip: str | None) -> bool:
    """Whether this address posted too many invitation or reset links that do
    not work in the last hour (someone guessing links)."""
    if ip is None:
        return False
    since = timezone.now() - timedelta(hours=1)
    bad = AccessAttempt.objects.filter(
        kind__in=[Kind.INVITATION, Kind.RESET_LINK],
        result=Result.BAD_LINK,
        ip_address=ip,
        created_at__gte=since,
    )
    return bad.count() >= settings.BAD_LINKS_PER_IP_PER_HOUR


def bad_link_posted(*, kind: str, ip: str | None, side: str = AccessAttempt.Side.PORTAL) -> None:
    """A link that does not work was posted (an invitation or a reset, of the
    portal or the office): it counts towards bad_links_throttled."""
    attempt_record(kind=kind, side=side, email="", ip=ip, result=Result.BAD_LINK)


def link_guessing_stopped(
    *, kind: str, ip: str | None, side: str = AccessAttempt.Side.PORTAL
) -> bool:
    """Whether posts of links from this address are refused for now, someone
    having posted too many that do not work; a refused post is recorded and is
    a security event."""
    if not bad_links_throttled(ip=ip):
        return False
    attempt_record(kind=kind, side=side, email="", ip=ip, result=Result.THROTTLED)
    security_event("link.throttled", outcome="refused", kind=kind, side=side)
    return True
