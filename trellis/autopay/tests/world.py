"""A customer on autopay, and invoices issued to them, for the autopay tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from trellis.autopay.authorisation import AUTHORISATION_VERSION
from trellis.autopay.models import Enrollment
from trellis.autopay.services import autopay_turn_on
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as SandboxCharge
from trellis.testing.factories import (
    CustomerAccountFactory,
    InvoiceFactory,
    PropertyContactFactory,
)

TODAY = dt.date(2027, 3, 1)


def customer_with_home(**contact_fields) -> tuple[Contact, Property]:
    account = CustomerAccountFactory(contact__first_name="Maria", **contact_fields)
    link = PropertyContactFactory(contact=account.contact, role=PropertyContact.Role.PRIMARY)
    return account.contact, link.property


def turned_on(
    contact: Contact, method: PaymentMethod, property: Property | None = None
) -> Enrollment:
    return autopay_turn_on(
        contact=contact,
        user=contact.portal_account,
        method=method,
        property=property,
        version=AUTHORISATION_VERSION,
        company=Company.load(),
    )


def issued(property: Property, *, due_on: dt.date, amount: str = "100.00", **fields) -> Invoice:
    """An invoice printed (published) now, due on `due_on`."""
    fields.setdefault("printed_at", timezone.now())
    return InvoiceFactory(
        property=property,
        issued_on=min(due_on, TODAY),
        due_on=due_on,
        lines=[{"description": "Monthly maintenance", "unit_price": Decimal(amount)}],
        **fields,
    )


def autopay_payments(invoice: Invoice) -> list[str]:
    return list(
        Payment.objects.filter(invoice=invoice, origin=Payment.Origin.AUTOPAY)
        .order_by("pk")
        .values_list("status", flat=True)
    )


def sandbox_charges_of(invoice: Invoice) -> int:
    keys = Payment.objects.filter(invoice=invoice).values_list("idempotency_key", flat=True)
    return SandboxCharge.objects.filter(idempotency_key__in=list(keys)).count()


def emails_to(contact: Contact, template_words: str) -> list[OutgoingEmail]:
    return [
        email
        for email in OutgoingEmail.objects.filter(to_address=contact.email).order_by("pk")
        if template_words in email.subject
    ]
