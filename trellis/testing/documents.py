"""Published documents for the tests of what alice sees, made in bulk so hundreds are cheap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from trellis.billing.models import Invoice, InvoiceLine
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.testing.factories import PropertyFactory


def property_of(contact: Contact, role: str = PropertyContact.Role.PRIMARY, **fields) -> Property:
    prop = PropertyFactory(**fields)
    PropertyContact.objects.create(property=prop, contact=contact, role=role)
    return prop


def invoices(prop: Property, count: int, *, status=Invoice.Status.OPEN, published=True, paid=None):
    """`count` invoices of 100.00 on the property, each with two lines."""
    now = timezone.now()
    start = Invoice.objects.count()
    amount_paid = {
        Invoice.Status.PAID: Decimal(100),
        Invoice.Status.PARTIALLY_PAID: Decimal(40),
    }.get(status, Decimal(0))
    made = Invoice.objects.bulk_create(
        Invoice(
            property=prop,
            number=f"B-{start + n:06d}",
            status=status,
            issued_on=dt.date(2026, 10, 1),
            due_on=dt.date(2026, 10, 31) + dt.timedelta(days=n % 60),
            subtotal=Decimal(100),
            total=Decimal(100),
            amount_paid=amount_paid,
            paid_at=(paid or now) if status == Invoice.Status.PAID else None,
            printed_at=now if published else None,
        )
        for n in range(count)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=p, description=f"Line {p}", unit_price=Decimal(50))
        for invoice in made
        for p in range(2)
    )
    return made
