"""Saved sandbox cards and due invoices for the payment tests."""

from __future__ import annotations

import uuid

from django.utils import timezone

from trellis.billing.gateways import get_gateway
from trellis.billing.models import Invoice, PaymentMethod
from trellis.billing.processor_customers import processor_customer_of
from trellis.customers.models import Contact, PropertyContact
from trellis.sandbox_processor.testing import sandbox_token
from trellis.testing.factories import InvoiceFactory, PropertyContactFactory

OK = "4242424242424242"
DECLINED = "4000000000000002"
TIMES_OUT_ONCE = "4000000000000259"
NEEDS_AUTHENTICATION = "4000002760003184"


def saved_card(
    contact: Contact, number: str = OK, *, exp_year: int | None = None, **fields
) -> PaymentMethod:
    """A card tokenised by the sandbox processor and saved to the contact, as
    the portal would: the token the processor's field gives the browser, turned
    into a saved card by the gateway."""
    year = exp_year or timezone.localdate().year + 2
    token = sandbox_token(number, exp_year=year)
    gateway = get_gateway()
    saved = gateway.card_save(
        token=token,
        customer=processor_customer_of(contact=contact, gateway=gateway),
        idempotency_key=uuid.uuid4().hex,
    )
    return PaymentMethod.objects.create(
        contact=contact,
        processor=gateway.name,
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
