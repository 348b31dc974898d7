"""Turning a customer's portal account off, and on again, from the office.

Off, the account signs in nowhere and every session it has ends at once
(trellis/accounts/sessions.py, on the save); nothing of the customer's is
deleted, and on again they sign in with the password they had."""

from __future__ import annotations

from django.db import transaction

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.customers.models import Contact
from trellis.refusals import Refused


class PortalAccessRefused(Refused):
    """Nothing to turn off or on; `message` says why, for staff."""


def portal_account_set_active(*, contact: Contact, actor: User, active: bool) -> User:
    """Turn the contact's portal account off (`active` False) or on again,
    in a transaction with its audit entry; refused when the contact has no
    account or it already is as asked."""
    with transaction.atomic():
        account = User.objects.select_for_update().filter(contact=contact).first()
        if account is None:
            raise PortalAccessRefused(f"{contact.full_name} has no portal account.")
        if account.is_active == active:
            state = "on" if active else "off"
            raise PortalAccessRefused(f"{contact.full_name}'s portal access is already {state}.")
        account.is_active = active
        account.save(update_fields=["is_active"])
        audit_record(
            action="account.reactivated" if active else "account.deactivated",
            actor=actor,
            target=contact,
        )
    return account
