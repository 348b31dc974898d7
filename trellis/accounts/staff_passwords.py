"""Staff passwords by email: a link to set one when someone joins the office,
one an office manager sends, and the office's own forgot password.

The links are AccessTokens of purpose STAFF_PASSWORD (trellis.accounts.tokens:
random, stored hashed, single use, expiring, a new one revokes the earlier
ones) and go only to a staff member's own sign-in email. Nobody else ever sees
or sets the password.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from trellis.accounts.attempts import attempt_correct
from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.accounts.passwords import password_reset_request, reset_lifetime
from trellis.accounts.selectors import account_for_sign_in_email
from trellis.accounts.sessions import account_sessions_end
from trellis.accounts.tokens import staff_token_issue, token_consume
from trellis.audit.services import audit_record
from trellis.company.models import Company
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company
from trellis.security_log import security_event

# Sending a staff member a link is part of changing staff.
LINK_PERMISSION = "accounts.change_user"
# Someone new to the office may not read their email the day they are added.
NEW_STAFF_LINK_LIFETIME = timedelta(days=3)


class StaffLinkRefused(Exception):
    """Why no link can be sent to this staff member, in words for the office manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def staff_password_link_send(*, user: User, sent_by: User | None) -> AccessToken:
    """Email the staff member a link to set their password, at their own
    sign-in email; their earlier links stop working. Someone who never had a
    password (just added) gets NEW_STAFF_LINK_LIFETIME to use it, anyone else
    as long as a customer's password reset. Call it inside the transaction of
    what causes it, if any: the email is an outbox row of that transaction.

    Raises PermissionDenied when `sent_by` may not change staff, and
    StaffLinkRefused when `user` is not an active staff member.
    """
    if sent_by is not None and not sent_by.has_perm(LINK_PERMISSION):
        raise PermissionDenied("You do not have permission to change staff members.")
    name = user.get_full_name() or user.email
    if not user.is_staff or user.contact_id is not None or not user.email:
        raise StaffLinkRefused(f"{name} is not a staff member.")
    if not user.is_active:
        raise StaffLinkRefused(
            f"{name} is deactivated: reactivate them before sending a link to set a password."
        )
    first = not user.has_usable_password()
    with transaction.atomic():
        token, raw = staff_token_issue(
            user=user,
            sent_to=user.email,
            lifetime=NEW_STAFF_LINK_LIFETIME if first else reset_lifetime(),
            created_by=sent_by,
        )
        token.email = email_queue_from_company(
            kind=OutgoingEmail.Kind.PASSWORD_RESET,
            template="staff_password_new" if first else "staff_password_reset",
            to=user.email,
            language="en",  # the office is in English only
            company=Company.load(),
            context={
                "member": user,
                "sent_by": sent_by,
                "link": settings.PUBLIC_BASE_URL + reverse("office:password-set", args=[raw]),
                "days": NEW_STAFF_LINK_LIFETIME.days,
                "minutes": settings.PASSWORD_RESET_LIFETIME_MINUTES,
            },
            about=token,
            # The outbox keeps the link masked: only the staff member gets one that works.
            link_secret=raw,
            link_expires_at=token.expires_at,
        )
        token.save(update_fields=["email"])
        audit_record(
            action="user.password_link_sent", actor=sent_by, target=user, data={"first": first}
        )
    return token


def staff_password_reset_request(*, email: str, ip: str | None) -> None:
    """The office's forgot password: the portal's, on the office side. It
    answers nothing and does the same work whoever is asked, throttled in the
    same buckets (trellis.accounts.passwords.password_reset_request); the task
    then sends a link only to an active staff member's address
    (staff_password_reset_answer)."""
    password_reset_request(email=email, ip=ip, side=AccessAttempt.Side.OFFICE)


def staff_password_reset_answer(*, attempt: AccessAttempt) -> None:
    """The part of the office's forgot password that depends on who asked,
    run by the task for a received office attempt: a link to an active staff
    member's own address, nothing to anyone else (a customer's email, an
    unknown one). Records the outcome on the attempt."""
    account = account_for_sign_in_email(email=attempt.email_tried)
    if account is None or not (
        account.is_staff and account.is_active and account.contact_id is None
    ):
        attempt_correct(attempt, result=AccessAttempt.Result.NO_ACCOUNT)
        return
    staff_password_link_send(user=account, sent_by=None)
    attempt_correct(attempt, result=AccessAttempt.Result.RESET_SENT, user=account)


def staff_password_set(*, raw_token: str, password: str) -> User:
    """Set the staff member's password through their link, which then works no
    more. Nobody is signed in: every session of the account ends, and they sign
    in with the new password.

    Raises TokenInvalid when the link cannot be used (any reason), and
    ValidationError when the password breaks a rule (the link stays usable).
    """
    with transaction.atomic():
        token = token_consume(raw=raw_token, purpose=AccessToken.Purpose.STAFF_PASSWORD)
        assert token.user_id is not None  # noqa: S101 (a staff link is a staff user's)
        user = User.objects.select_for_update().get(pk=token.user_id)
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = account_sessions_end(user=user)
        audit_record(action="user.password_set", actor=user, target=user)
    security_event(
        "password.reset", user=user, outcome="succeeded", side="office", sessions_ended=ended
    )
    return user
