"""Single-use links: invitations, password resets and staff set-password links
share these rules."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from trellis.accounts.models import AccessToken, User
from trellis.customers.models import Contact
from trellis.mail.services import email_links_forget
from trellis.security_log import security_event

# 32 random bytes: 256 bits, well past the 128 the issue asks for.
TOKEN_BYTES = 32


class TokenInvalid(Exception):
    """The link is unknown, used, revoked or expired, or went to an address that
    is no longer the contact's. Callers show one message for all of these, so a
    link reveals nothing about which."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(
    *,
    contact: Contact,
    purpose: str,
    sent_to: str,
    lifetime: timedelta,
    created_by: User | None = None,
) -> tuple[AccessToken, str]:
    """Create a token and revoke the contact's earlier pending ones of the same purpose.

    Returns the row and the raw token, which exists only in the link we email.
    """
    return _issue(
        owner={"contact": contact},
        purpose=purpose,
        sent_to=sent_to,
        lifetime=lifetime,
        created_by=created_by,
    )


def staff_token_issue(
    *, user: User, sent_to: str, lifetime: timedelta, created_by: User | None = None
) -> tuple[AccessToken, str]:
    """A staff member's set-password link: like `token_issue`, for a staff user."""
    return _issue(
        owner={"user": user},
        purpose=AccessToken.Purpose.STAFF_PASSWORD,
        sent_to=sent_to,
        lifetime=lifetime,
        created_by=created_by,
    )


def _issue(
    *,
    owner: dict[str, Contact | User],
    purpose: str,
    sent_to: str,
    lifetime: timedelta,
    created_by: User | None,
) -> tuple[AccessToken, str]:
    now = timezone.now()
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        earlier = AccessToken.objects.filter(
            **owner, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True
        )
        # Their links stop working: an email still waiting to carry one must not.
        email_links_forget(email_ids=earlier.values_list("email_id", flat=True))
        earlier.update(revoked_at=now)
        token = AccessToken.objects.create(
            **owner,
            purpose=purpose,
            token_hash=token_hash(raw),
            sent_to=sent_to,
            created_by=created_by,
            created_at=now,
            expires_at=now + lifetime,
        )
    return token, raw


def token_find(*, raw: str, purpose: str) -> AccessToken:
    """The pending token for this link, without using it (for the page a GET shows)."""
    token = (
        AccessToken.objects.select_related("contact", "user")
        .filter(token_hash=token_hash(raw), purpose=purpose)
        .first()
    )
    if token is None or token.state != AccessToken.State.PENDING:
        raise TokenInvalid
    _require_same_address(token)
    return token


def token_consume(*, raw: str, purpose: str) -> AccessToken:
    """Use the token: it works once. Call inside the transaction of what it allows."""
    token = (
        AccessToken.objects.select_for_update()
        .filter(token_hash=token_hash(raw), purpose=purpose)
        .first()
    )
    if token is None or token.state != AccessToken.State.PENDING:
        raise TokenInvalid
    _require_same_address(token)  # read now, under the lock: not as the link's page saw it
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    email_links_forget(email_ids=[token.email_id])
    return token


def _require_same_address(token: AccessToken) -> None:
    """A link works only while the address it was sent to is still its owner's:
    once staff or the customer change it, whoever reads the old mailbox (a
    former employee, a lapsed domain) must not get in with it. A staff member
    who is no longer active staff has no address a link may serve."""
    if token.sent_to.strip().casefold() == _owner_address(token).strip().casefold():
        return
    security_event(
        "token.refused",
        user=token.user,
        outcome="address_changed",
        purpose=token.purpose,
        contact_id=token.contact_id,
    )
    raise TokenInvalid


def _owner_address(token: AccessToken) -> str:
    if token.contact is not None:
        return token.contact.email or ""
    user = token.user
    if user is None or not (user.is_active and user.is_staff):
        return ""
    return user.email or ""
