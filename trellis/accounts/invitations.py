"""Inviting contacts to the portal, and accepting an invitation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import AccessToken, User
from trellis.accounts.selectors import email_taken_by_another_account
from trellis.accounts.tokens import token_consume, token_issue
from trellis.audit.services import audit_record
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.mail.compose import compose_from_template
from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.mail.senders import sender_on_behalf_of
from trellis.mail.services import email_links_forget, email_queue

INVITE_PERMISSION = "customers.invite_contact"


class InviteRefused(Exception):
    """Why this contact cannot be invited, in words for the staff member."""

    NO_EMAIL = "no_email"
    INVALID_EMAIL = "invalid_email"
    ALREADY_VERIFIED = "already_verified"
    EMAIL_TAKEN = "email_taken"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class InviteOutcome:
    contact: Contact
    invitation: AccessToken | None = None
    refusal: InviteRefused | None = None


def invitation_lifetime() -> timedelta:
    return timedelta(days=settings.INVITATION_LIFETIME_DAYS)


def contact_invite_check(*, contact: Contact) -> None:
    """Raise InviteRefused if the contact cannot be invited now."""
    name = contact.full_name
    if not contact.email:
        raise InviteRefused(InviteRefused.NO_EMAIL, f"{name} has no email address.")
    try:
        validate_email(contact.email)
    except ValidationError:
        raise InviteRefused(
            InviteRefused.INVALID_EMAIL,
            f"{name}'s email address, {contact.email}, is not a valid email address.",
        ) from None
    if User.objects.filter(contact=contact).exists():
        raise InviteRefused(
            InviteRefused.ALREADY_VERIFIED,
            f"{name} already has an account (Customer Portal Verified) — "
            "send a password reset instead.",
        )
    if email_taken_by_another_account(email=contact.email, contact=contact):
        raise InviteRefused(
            InviteRefused.EMAIL_TAKEN,
            f"{contact.email} already signs in to another account, so {name} "
            "cannot be invited with it.",
        )


def contact_invite(*, contact: Contact, invited_by: User) -> AccessToken:
    """Send the contact an invitation to the portal, on behalf of `invited_by`.

    Earlier invitations of the contact stop working. Raises InviteRefused with
    the reason when the contact cannot be invited.
    """
    if not invited_by.has_perm(INVITE_PERMISSION):
        raise PermissionDenied("You do not have permission to invite contacts.")
    company = Company.load()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        contact_invite_check(contact=contact)
        invitation, raw = token_issue(
            contact=contact,
            purpose=AccessToken.Purpose.INVITATION,
            sent_to=contact.email,
            lifetime=invitation_lifetime(),
            created_by=invited_by,
        )
        link = settings.PUBLIC_BASE_URL + reverse("portal:invitation", args=[raw])
        with translation.override(contact.language):
            expires_on = formats.date_format(
                timezone.localtime(invitation.expires_at), "DATE_FORMAT"
            )
        composed = compose_from_template(
            kind=EmailTemplate.Kind.INVITATION,
            language=contact.language,
            company=company,
            values={
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "company_name": company.name,
                "inviter_name": invited_by.get_full_name() or invited_by.login_email,
                "invitation_link": link,
                "expires_on": expires_on,
            },
        )
        invitation.email = email_queue(
            kind=OutgoingEmail.Kind.INVITATION,
            to=contact.email,
            subject=composed.subject,
            text=composed.text,
            html=composed.html,
            sender=sender_on_behalf_of(staff=invited_by, company=company),
            contact=contact,
            about=invitation,
            # The outbox keeps the link masked: only the customer gets one that works.
            link_secret=raw,
            link_expires_at=invitation.expires_at,
        )
        invitation.save(update_fields=["email"])
        audit_record(action="contact.invited", actor=invited_by, target=contact)
    return invitation


def contacts_invite(*, contacts: Iterable[Contact], invited_by: User) -> list[InviteOutcome]:
    """Invite each contact in its own transaction; one refusal stops no other."""
    outcomes = []
    for contact in contacts:
        try:
            outcomes.append(
                InviteOutcome(
                    contact, invitation=contact_invite(contact=contact, invited_by=invited_by)
                )
            )
        except InviteRefused as refusal:
            outcomes.append(InviteOutcome(contact, refusal=refusal))
    return outcomes


INVITATION_NO_LONGER_VALID = _(
    "This invitation link is no longer valid. It may have been used already, or it "
    "expired, or a newer invitation replaced it. Ask the company for a new invitation."
)


def invitation_accept(*, raw_token: str, first_name: str, last_name: str, password: str) -> User:
    """Create the contact's portal account: it is now Customer Portal Verified.

    Raises TokenInvalid when the link cannot be used (any reason).
    """
    with transaction.atomic():
        invitation = token_consume(raw=raw_token, purpose=AccessToken.Purpose.INVITATION)
        assert invitation.contact_id is not None  # noqa: S101 (an invitation is a contact's)
        contact = Contact.objects.select_for_update().get(pk=invitation.contact_id)
        if User.objects.filter(contact=contact).exists():
            raise InviteRefused(InviteRefused.ALREADY_VERIFIED, "already verified")
        contact.first_name, contact.last_name = first_name, last_name
        contact.save(update_fields=["first_name", "last_name", "updated_at"])
        user = User(contact=contact)
        user.set_password(password)
        user.save()
        pending = AccessToken.objects.filter(
            contact=contact, used_at__isnull=True, revoked_at__isnull=True
        )
        email_links_forget(email_ids=pending.values_list("email_id", flat=True))
        pending.update(revoked_at=timezone.now())
        audit_record(action="contact.invitation_accepted", actor=user, target=contact)
    return user
