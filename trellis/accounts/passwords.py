"""Forgot password, staff-sent resets, and changing a password."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from trellis.accounts.attempts import attempt_record, password_reset_throttled
from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.accounts.tokens import token_consume, token_issue
from trellis.audit.services import audit_record
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company
from trellis.security_log import security_event


class WrongPassword(Exception):
    pass


class ResetRefused(Exception):
    """Why no reset link can be sent to this contact, in words for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Sending a customer a reset link is part of managing their portal access.
RESET_PERMISSION = "customers.invite_contact"


def reset_lifetime() -> timedelta:
    return timedelta(minutes=settings.PASSWORD_RESET_LIFETIME_MINUTES)


def password_reset_send(*, contact: Contact, sent_by: User | None = None) -> AccessToken:
    """Email a reset link to the contact's stored email: never to an address
    someone typed. Earlier reset links stop working.

    Raises ResetRefused when the contact has no active account or no email, and
    PermissionDenied when `sent_by` may not manage portal access.
    """
    if sent_by is not None and not sent_by.has_perm(RESET_PERMISSION):
        raise PermissionDenied("You do not have permission to send password resets.")
    account = User.objects.filter(contact=contact).first()
    name = contact.full_name
    if account is None:
        raise ResetRefused(f"{name} has no portal account yet: send an invitation instead.")
    if not account.is_active:
        raise ResetRefused(
            f"{name}'s portal account is deactivated: reactivate it before sending a "
            "password reset."
        )
    if not contact.email:
        raise ResetRefused(f"{name} has no email address.")
    company = Company.load()
    with transaction.atomic():
        token, raw = token_issue(
            contact=contact,
            purpose=AccessToken.Purpose.PASSWORD_RESET,
            sent_to=contact.email,
            lifetime=reset_lifetime(),
            created_by=sent_by,
        )
        token.email = email_queue_from_company(
            kind=OutgoingEmail.Kind.PASSWORD_RESET,
            template="password_reset",
            to=contact.email,
            language=contact.language,
            company=company,
            context={
                "contact": contact,
                "link": settings.PUBLIC_BASE_URL + reverse("portal:password-reset", args=[raw]),
                "minutes": settings.PASSWORD_RESET_LIFETIME_MINUTES,
            },
            contact=contact,
            about=token,
            # The outbox keeps the link masked: only the customer gets one that works.
            link_secret=raw,
            link_expires_at=token.expires_at,
        )
        token.save(update_fields=["email"])
        audit_record(action="contact.password_reset_sent", actor=sent_by, target=contact)
    return token


def password_reset_request(
    *, email: str, ip: str | None, side: str = AccessAttempt.Side.PORTAL
) -> None:
    """Forgot password. Says nothing to the caller, and does the same work
    whoever is asked: it records the request and queues one task, which looks
    the account up and sends the link (trellis.accounts.tasks). So neither the
    page nor its timing tells whether the email belongs to an account, as long
    as tasks run in a worker (TASKS_BACKEND=database; see accounts/checks.py).
    The office's forgot password is this one on `side` "office"
    (trellis.accounts.staff_passwords); both sides count in the same buckets."""
    from trellis.accounts.tasks import password_reset_requested  # it imports this module

    kind = AccessAttempt.Kind.PASSWORD_RESET
    if password_reset_throttled(email=email, ip=ip):
        attempt_record(
            kind=kind, email=email, ip=ip, result=AccessAttempt.Result.THROTTLED, side=side
        )
        security_event("password.reset_request_throttled", outcome="refused", side=side)
        return
    attempt = attempt_record(
        kind=kind, email=email, ip=ip, result=AccessAttempt.Result.RECEIVED, side=side
    )
    # Queued at once rather than on commit: the attempt row is already written
    # (or, inside a transaction, the database queue's row commits with it).
    password_reset_requested.enqueue(attempt_id=attempt.pk)


def password_reset_complete(*, raw_token: str, password: str) -> User:
    """Set the new password. Every session of the account ends, because a
    session is only valid for the password it was opened with.

    Raises TokenInvalid if the link cannot be used.
    """
    with transaction.atomic():
        token = token_consume(raw=raw_token, purpose=AccessToken.Purpose.PASSWORD_RESET)
        assert token.contact_id is not None  # noqa: S101 (a reset link is a contact's)
        user = User.objects.select_for_update().get(contact_id=token.contact_id)
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(action="account.password_reset", actor=user, target=user.contact)
    return user


def password_change(*, user: User, current_password: str, new_password: str) -> None:
    """Change the password; every session of the account ends, this one too."""
    if not user.check_password(current_password):
        raise WrongPassword
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(action="account.password_changed", actor=user, target=user.contact or user)
    security_event("password.changed", user=user)
