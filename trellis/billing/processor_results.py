"""What became of a pending payment, asked of the processor when the customer looks.

A payment stays pending while the processor has not said how it ended: the
customer's bank wants them to confirm it (3-D Secure), or the request that
charged it lost its answer. The portal's payment page calls `payment_refresh`
each time it is shown, so the customer returning from their bank sees the
result, settled through the one settle path (`payments.payment_settle`): the
same answer learnt here and from the webhook is one payment and one receipt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import ChargeLookup, GatewayUnavailable, PaymentDeclined
from trellis.billing.models import Payment
from trellis.billing.payments import payment_settle

logger = logging.getLogger(__name__)

ProgressState = Literal[
    "succeeded", "failed", "reversed", "action_required", "processing", "unknown"
]


@dataclass(frozen=True)
class PaymentProgress:
    """What is known of a payment, for its page.

    `state`:
    - succeeded, failed (reason in `payment.failure_message`), reversed: settled;
    - action_required: the customer's bank wants them to confirm the payment;
      `action` is what the page needs to show the bank's prompt (the sandbox's
      {"url": …}, Stripe's {"client_secret": …});
    - processing: the processor has it and has not finished;
    - unknown: the processor could not be reached, or has no record of it
      yet; nothing is decided, the page may say so and offer to check again.
    """

    payment: Payment
    state: ProgressState
    action: Mapping[str, str] = field(default_factory=dict)


def payment_refresh(*, payment: Payment) -> PaymentProgress:
    """Ask the processor about a pending portal payment and record its answer.

    A payment already settled is not asked about. Charged → recorded, with the
    receipt sent as for any payment; not charged → recorded as failed, with the
    processor's reason; still open → left pending, with the prompt to show;
    unknown to the processor (the charge may still be on its way there) → left
    pending: the reconciliation decides once it is old enough
    (trellis.billing.reconciliation).
    """
    if payment.status != Payment.Status.PENDING:
        return _settled(payment)
    gateway = get_gateway()
    if payment.method is None or payment.method.processor != gateway.name:
        # Made through a processor Trellis is no longer set up for: staff
        # resolve it (the reconciliation lists it).
        return PaymentProgress(payment=payment, state="unknown")
    try:
        lookup = gateway.charge_lookup(
            idempotency_key=payment.idempotency_key, reference=payment.processor_reference
        )
    except GatewayUnavailable:
        logger.warning("Payment %s: the processor did not answer", payment.pk, exc_info=True)
        return PaymentProgress(payment=payment, state="unknown")
    return payment_progress_record(payment=payment, lookup=lookup)


def payment_progress_record(*, payment: Payment, lookup: ChargeLookup) -> PaymentProgress:
    """Record a lookup's answer of a pending payment: settled when the processor
    decided, left pending when it has not (or never saw the charge)."""
    if lookup.state == "succeeded":
        return _settled(payment_settle(payment=payment, reference=lookup.reference))
    if lookup.state == "failed":
        declined = PaymentDeclined("declined", lookup.message or _default_reason())
        return _settled(payment_settle(payment=payment, declined=declined))
    if lookup.state == "processing":
        return PaymentProgress(payment=payment, state="processing")
    if lookup.state == "pending":
        if lookup.action:
            return PaymentProgress(payment=payment, state="action_required", action=lookup.action)
        return PaymentProgress(payment=payment, state="processing")
    return PaymentProgress(payment=payment, state="unknown")


SETTLED: dict[str, ProgressState] = {
    Payment.Status.SUCCEEDED: "succeeded",
    Payment.Status.FAILED: "failed",
    Payment.Status.REVERSED: "reversed",
}


def _settled(payment: Payment) -> PaymentProgress:
    return PaymentProgress(payment=payment, state=SETTLED.get(payment.status, "unknown"))


def _default_reason() -> str:
    return _("Your bank did not confirm the payment. You have not been charged.")
