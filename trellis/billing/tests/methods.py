"""Saved sandbox cards and due invoices for the payment tests."""

from __future__ import annotations

import uuid

from django.utils import timezone

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import CardDetails
from trellis.billing.models import Invoice, PaymentMethod
from trellis.customers.models import Contact, PropertyContact
from trellis.testing.factories import InvoiceFactory, PropertyContactFactory

OK = "4242424242424242"
DECLINED = "4000000000000002"
TIMES_OUT_ONCE = "4000000000000259"


def saved_card(
    contact: Contact, number: str = OK, *, exp_year: int | None = None, **fields
) -> PaymentMethod:
    """A card tokenised by the sandbox and saved to the contact, as the portal would."""
    year = exp_year or timezone.localdate().year + 2
    card = CardDetails(number=number, exp_month=12, exp_year=year, cvv="123", holder_name="A")
    saved = get_gateway().tokenize(card=card, idempotency_key=uuid.uuid4().hex)
    return PaymentMethod.objects.create(
        contact=contact,
        processor="sandbox",
        token=saved.token,
        brand=saved.brand,
        last4=saved.last4,
        exp_month=saved.exp_month,
        exp_year=saved.exp_year,
        holder_name="A Customer",
        **fields,
    )


def due_invoice(contact: Contact, **fields) -> Invoice:
    """A printed open invoice of 100.00 on a property where the contact is Primary."""
    link = PropertyContactFactory(contact=contact, role=PropertyContact.Role.PRIMARY)
    fields.setdefault("printed_at", timezone.now())
    return InvoiceFactory(property=link.property, **fields)


def key() -> str:
    return uuid.uuid4().hex
