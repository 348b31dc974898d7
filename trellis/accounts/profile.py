"""A customer's profile: names and language, and the sign-in email."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from trellis.accounts.models import User
from trellis.accounts.names import validate_first_name, validate_last_name
from trellis.accounts.passwords import WrongPassword
from trellis.accounts.selectors import email_taken_by_another_account
from trellis.audit.services import audit_record
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company
from trellis.security_log import security_event


def _own_contact(user: User) -> Contact:
    if user.contact is None:
        raise ValueError("Only customers have a portal profile.")
    return user.contact


def profile_update(*, user: User, first_name: str, last_name: str, language: str) -> Contact:
    """The names are the contact's: staff and customer see the same ones."""
    contact = _own_contact(user)
    validate_first_name(first_name)
    validate_last_name(last_name)
    contact.first_name, contact.last_name, contact.language = first_name, last_name, language
    with transaction.atomic():
        contact.save(update_fields=["first_name", "last_name", "language", "updated_at"])
        audit_record(action="contact.profile_updated", actor=user, target=contact)
    return contact


def receipt_emails_set(*, user: User, enabled: bool) -> Contact:
    """Turn the customer's payment receipts by email on or off. Payment
    failures, autopay notices and refunds are sent whatever it says."""
    contact = _own_contact(user)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.receipt_emails != enabled:
            locked.receipt_emails = enabled
            locked.save(update_fields=["receipt_emails", "updated_at"])
            audit_record(
                action="contact.receipt_emails_on" if enabled else "contact.receipt_emails_off",
                actor=user,
                target=locked,
            )
    contact.receipt_emails = enabled
    return locked


def contact_email_check(*, contact: Contact, email: str) -> str:
    """The email, cleaned, if the contact may take it; ValidationError if not."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Enter a valid email"), code="invalid") from None
    if email_taken_by_another_account(email=email, contact=contact):
        raise ValidationError(_("Another account already signs in with this email."), code="taken")
    return email


def contact_change_email(*, contact: Contact, new_email: str, changed_by: User | None) -> Contact:
    """Change the contact's email, which is also its portal sign-in email."""
    new_email = contact_email_check(contact=contact, email=new_email)
    old_email = Contact.objects.values_list("email", flat=True).get(pk=contact.pk)
    if old_email == new_email:
        return contact
    with transaction.atomic():
        contact.email = new_email
        contact.save(update_fields=["email", "updated_at"])
        contact_email_changed(contact=contact, old_email=old_email, changed_by=changed_by)
    return contact


def contact_email_changed(*, contact: Contact, old_email: str, changed_by: User | None) -> None:
    """Record an email change already saved, and tell the old address.

    Only a contact with a portal account is told: the change moved its sign-in,
    and a change the customer did not make must not go unnoticed.
    """
    audit_record(
        action="contact.email_changed",
        actor=changed_by,
        target=contact,
        data={"from": old_email, "to": contact.email},
    )
    security_event(
        "email.changed",
        user=changed_by,
        contact_id=contact.pk,
        by_staff=bool(changed_by and changed_by.is_staff),
    )
    if not old_email or not User.objects.filter(contact=contact).exists():
        return
    email_queue_from_company(
        kind=OutgoingEmail.Kind.EMAIL_CHANGED,
        template="email_changed",
        to=old_email,
        language=contact.language,
        company=Company.load(),
        context={"contact": contact, "old_email": old_email, "new_email": contact.email},
        contact=contact,
    )


def profile_change_email(*, user: User, new_email: str, password: str) -> Contact:
    """A customer changes their own sign-in email; it takes the current password."""
    contact = _own_contact(user)
    if not user.check_password(password):
        raise WrongPassword
    return contact_change_email(contact=contact, new_email=new_email, changed_by=user)
