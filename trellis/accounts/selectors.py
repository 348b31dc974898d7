from __future__ import annotations

import logging

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower

from trellis.accounts.models import User
from trellis.customers.models import Contact

logger = logging.getLogger(__name__)


def account_for_sign_in_email(*, email: str) -> User | None:
    """The account that signs in with this email, any letter case: a staff
    member's own address, or the portal account of the contact whose *current*
    email it is (there is no other copy of a customer's sign-in email)."""
    email = email.strip()
    if not email:
        return None
    staff = _signing_in_with(User.objects.filter(contact__isnull=True), "email", email).first()
    if staff is not None:
        return staff
    customers = list(
        _signing_in_with(User.objects.select_related("contact"), "contact__email", email)[:2]
    )
    if len(customers) > 1:
        # Refused elsewhere (invitations, contact edits); if it happens anyway,
        # signing in to either account would be a guess.
        logger.error(
            "Several portal accounts sign in with one email",
            extra={"contact_ids": [u.contact_id for u in customers]},
        )
        return None
    return customers[0] if customers else None


def _signing_in_with(users: QuerySet[User], field: str, email: str) -> QuerySet[User]:
    # LOWER() on both sides, in the database: the same folding on SQLite and
    # PostgreSQL (iexact's UPPER() turns a dotless i (U+0131) into I on PostgreSQL only),
    # and the lower-case indexes on the email columns serve it.
    return users.alias(sign_in_email=Lower(field)).filter(sign_in_email=Lower(Value(email)))


def email_taken_by_another_account(*, email: str, contact: Contact | None = None) -> bool:
    """Whether another account already signs in with this email."""
    accounts = User.objects.filter(Q(email__iexact=email) | Q(contact__email__iexact=email))
    if contact is not None:
        accounts = accounts.exclude(contact=contact)
    return accounts.exists()
