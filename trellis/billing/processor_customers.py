"""The contact as a customer of the payment processor, made the first time it
is needed (a card entry page, a charge) and kept (ProcessorCustomer)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import Gateway
from trellis.billing.models import ProcessorCustomer
from trellis.customers.models import Contact


def processor_customer_of(*, contact: Contact, gateway: Gateway | None = None) -> str:
    """The processor's reference for `contact`, asking it to make one if it has none.

    The processor is called outside any transaction, with a key made of the
    contact: two requests at once make one customer at the processor, and the
    second insert finds the first's row.
    """
    gateway = gateway or get_gateway()
    existing = ProcessorCustomer.objects.filter(contact=contact, processor=gateway.name).first()
    if existing is not None:
        return existing.reference
    reference = gateway.customer_create(
        name=contact.full_name,
        email=contact.email,
        idempotency_key=f"trellis-customer-{gateway.name}-{contact.pk}",
    )
    try:
        with transaction.atomic():
            ProcessorCustomer.objects.create(
                contact=contact, processor=gateway.name, reference=reference
            )
    except IntegrityError:
        return ProcessorCustomer.objects.get(contact=contact, processor=gateway.name).reference
    return reference
