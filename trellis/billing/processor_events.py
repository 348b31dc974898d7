"""Webhook events: what a processor tells Trellis of its charges, applied once.

Processors deliver each event at least once and in no promised order. An
event is stored by its id (ProcessorEvent, unique per processor) in the same
transaction as its effect, so a second delivery finds it and changes nothing,
and an event whose effect failed is not stored: the processor sends it again.
Its effect goes through the one settle path (`payments.payment_settle`), which
leaves a settled payment as it is: a payment confirmed by the customer's
return from their bank and by the webhook is one payment and one receipt, and
a `charge.failed` arriving after the `charge.succeeded` changes nothing.
A `refund.succeeded` goes through the refunds' own path
(`refunds.refund_event_apply`): a refund Trellis asked for is settled once, one
made in the processor's dashboard is recorded, and one whose reference was
seen before (Stripe tells of one refund in several events) changes nothing.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from trellis.billing.gateways.base import GatewayEvent, PaymentDeclined
from trellis.billing.models import Payment, ProcessorEvent
from trellis.billing.payments import payment_settle
from trellis.billing.refunds import refund_event_apply

logger = logging.getLogger(__name__)


def processor_event_apply(*, processor: str, event: GatewayEvent) -> bool:
    """Store a verified event of `processor` and apply its effect, in one
    transaction. Returns False for an event stored before (a duplicate
    delivery: nothing changes), True otherwise (applied, or stored and ignored).

    charge.succeeded / charge.failed settle the portal payment the event names
    (by the idempotency key Trellis sent, else by the processor's reference);
    a payment settled already stays as it is. refund.succeeded records the
    refund of one (trellis.billing.refunds). An event about no payment Trellis
    knows is stored, logged and ignored.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = ProcessorEvent.objects.create(
                    processor=processor, event_id=event.id, kind=event.kind
                )
        except IntegrityError:
            logger.info("%s event %s delivered again: already applied", processor, event.id)
            return False
        if event.kind == "ignored":  # a kind of event Trellis does not use
            return True
        if event.kind == "refund.succeeded":
            payment = refund_event_apply(processor=processor, event=event)
        else:
            payment = _payment_of(processor=processor, event=event)
            if payment is not None:
                _charge_apply(payment=payment, event=event)
        if payment is None:
            logger.warning(
                "%s event %s (%s) is about no payment Trellis knows: ignored",
                processor,
                event.id,
                event.kind,
            )
            return True
        stored.payment = payment
        stored.save(update_fields=["payment"])
    return True


def _payment_of(*, processor: str, event: GatewayEvent) -> Payment | None:
    # Only the portal payments made through this processor: a signed event of
    # one processor never settles another's payment.
    payments = Payment.objects.filter(source=Payment.Source.PORTAL, method__processor=processor)
    if event.payment_key:
        return payments.filter(idempotency_key=event.payment_key).first()
    if event.reference:
        return payments.filter(processor_reference=event.reference).first()
    return None


def _charge_apply(*, payment: Payment, event: GatewayEvent) -> None:
    succeeded = event.kind == "charge.succeeded"
    if payment.status != Payment.Status.PENDING:
        if succeeded and payment.status == Payment.Status.FAILED:
            # Recorded as not charged, and the processor says it charged: a
            # person must look (the money is not on the invoice).
            logger.error(
                "Payment %s is recorded failed, but %s says charge %s succeeded",
                payment.pk,
                event.id,
                event.reference,
            )
        return  # settled already: a duplicate, or out of order
    if succeeded:
        if event.amount is not None and event.amount != payment.amount:
            logger.error(
                "Payment %s of %s: event %s says %s was charged",
                payment.pk,
                payment.amount,
                event.id,
                event.amount,
            )
        payment_settle(payment=payment, reference=event.reference)
    else:
        reason = event.message or (
            _("Your bank returned the payment.")
            if payment.processing_at is not None
            else _("Your card was declined.")
        )
        payment_settle(payment=payment, declined=PaymentDeclined("declined", reason))
