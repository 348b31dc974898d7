"""No payment left in doubt: ask the processor about every portal payment
pending for longer than a request can take.

A payment is pending between the moment Trellis stores it and the moment the
processor's answer is recorded. If the web process dies in between (after
the processor charged, before Trellis recorded it), or the customer never
returns from their bank's prompt and no webhook comes, nothing else would
settle it. `payments_reconcile` asks the processor about each, by the
idempotency key Trellis charged with:

- charged → recorded as succeeded, with the receipt (the normal notices path);
- not charged, or never seen by the processor → released as failed, and the
  payer emailed that it did not go through, with a link to the invoice;
- still open at the processor (waiting for the customer's bank), or the
  processor did not answer → left pending, and listed for staff in the
  office's inbox (once per payment).

A charge still waiting for the customer's bank an hour on (ABANDONED: the
prompt was closed, never answered) is canceled at the processor, so it can
no longer complete, and released like one not charged.

A bank payment (ACH) is processing for days by nature: its webhook settles
it. It is asked about only once it has been processing longer than
BANK_CLEARING, and then listed for staff if still clearing.

Refunds left pending (the processor did not answer the office's request) are
asked about again the same way, with the key they were asked with
(trellis.billing.refunds.refund_retry): the processor answers what it did the
first time, so nothing is refunded twice.

`trellis payments_reconcile` runs it once, the `payments_reconcile` task in a
worker, and `trellis send_queued_email` on each of its sweeps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import Gateway, GatewayUnavailable, PaymentDeclined
from trellis.billing.models import Payment, PaymentRefund
from trellis.billing.payer_emails import payer_tell_failed
from trellis.billing.payments import payment_settle, payment_settle_once
from trellis.billing.refunds import refund_retry, refunds_pending
from trellis.company.models import Company
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_add

logger = logging.getLogger(__name__)

# Longer than any request that charges can take (the gateways give up on the
# processor well within a minute), so a payment this old has no request still
# waiting for its answer: a charge the processor never saw will not come. And
# longer than Stripe's search lags behind a new PaymentIntent (up to a minute),
# so "not found" means not there.
RECONCILE_AFTER = timedelta(minutes=5)
# A charge waiting this long for the customer to confirm it with their bank
# (3-D Secure) was abandoned: it is canceled at the processor and released.
ABANDONED = timedelta(hours=1)
# A bank payment (ACH) clears or is returned within a few business days; one
# still processing after this is asked about, and listed for staff.
BANK_CLEARING = timedelta(days=7)
# Payments pending longer than this are no longer asked about: they are staff's.
RECONCILE_LOOK_BACK = timedelta(days=30)


@dataclass
class ReconcileRun:
    """What one run did: `succeeded` recorded as paid, `failed` released,
    `pending` left pending (still open at the processor, or it did not
    answer), of which `listed` newly listed for staff."""

    succeeded: int = 0
    failed: int = 0
    pending: int = 0
    listed: int = 0
    # Refunds left pending, asked about again: given back, refused, still pending.
    refunded: int = 0
    refund_refused: int = 0
    refund_pending: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.pending

    @property
    def refunds(self) -> int:
        return self.refunded + self.refund_refused + self.refund_pending

    def summary(self) -> str:
        """The run in one line, as `trellis payments_reconcile` and
        `trellis send_queued_email` print it (the refunds only when there were any)."""
        line = (
            f"{self.total} pending payment{'s' if self.total != 1 else ''} asked about: "
            f"{self.succeeded} recorded as paid, {self.failed} released as not paid, "
            f"{self.pending} still pending ({self.listed} newly listed for staff)"
        )
        if self.refunds:
            line += (
                f"; {self.refunds} pending refund{'s' if self.refunds != 1 else ''} asked "
                f"about: {self.refunded} refunded, {self.refund_refused} refused, "
                f"{self.refund_pending} still pending"
            )
        return line


def payments_reconcile(*, now: datetime | None = None, limit: int = 100) -> ReconcileRun:
    """Settle, from what the processor says, the portal payments pending longer
    than RECONCILE_AFTER, at most `limit` of them (those not yet listed for
    staff first, then the oldest). Safe to run anywhere at once: each payment is
    settled once (`payment_settle`) and listed once (a constraint holds it)."""
    now = now or timezone.now()
    listed = InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_PENDING, payment=OuterRef("pk"))
    payments = (
        Payment.objects.filter(
            source=Payment.Source.PORTAL,
            status=Payment.Status.PENDING,
            created_at__range=(now - RECONCILE_LOOK_BACK, now - RECONCILE_AFTER),
        )
        # A bank payment clears in days, told by a webhook: asked about only
        # once it takes longer than banks do.
        .filter(Q(processing_at__isnull=True) | Q(processing_at__lt=now - BANK_CLEARING))
        .annotate(listed=Exists(listed))
        .select_related("method", "paid_by", "invoice__property")
        .order_by("listed", "created_at", "pk")[:limit]
    )
    run = ReconcileRun()
    gateway = get_gateway()
    for payment in payments:
        outcome = _reconcile(payment=payment, gateway=gateway, now=now)
        if outcome == Payment.Status.SUCCEEDED:
            run.succeeded += 1
        elif outcome == Payment.Status.FAILED:
            run.failed += 1
        else:
            run.pending += 1
            run.listed += _list_for_staff(payment=payment, reason=outcome)
    _refunds_reconcile(run, asked=(now - RECONCILE_LOOK_BACK, now - RECONCILE_AFTER), limit=limit)
    return run


def _refunds_reconcile(run: ReconcileRun, *, asked: tuple[datetime, datetime], limit: int) -> None:
    """Ask again, with their keys, about the refunds pending longer than a
    request takes (the office's request got no answer from the processor)."""
    for refund in refunds_pending(asked=asked, limit=limit):
        status = refund_retry(refund=refund).status
        if status == PaymentRefund.Status.SUCCEEDED:
            run.refunded += 1
        elif status == PaymentRefund.Status.FAILED:
            run.refund_refused += 1
        else:
            run.refund_pending += 1


def _reconcile(*, payment: Payment, gateway: Gateway, now: datetime) -> str:
    """What became of the payment: "succeeded" or "failed" once settled, else
    why it stays pending ("open at the processor", "processor did not answer",
    "made through another processor"), as staff read it in the inbox item."""
    if payment.method is None or payment.method.processor != gateway.name:
        # Made through a processor Trellis is no longer set up for.
        return "made through another processor"
    try:
        lookup = gateway.charge_lookup(
            idempotency_key=payment.idempotency_key, reference=payment.processor_reference
        )
        if lookup.state == "pending" and lookup.action and payment.created_at < now - ABANDONED:
            # The customer never answered their bank: give it up, so the
            # amount it holds back on the invoice is free again.
            lookup = gateway.charge_cancel(
                idempotency_key=payment.idempotency_key, reference=lookup.reference
            )
    except GatewayUnavailable:
        logger.warning("Payment %s: the processor did not answer", payment.pk, exc_info=True)
        return "processor did not answer"
    if lookup.state == "pending":
        return "open at the processor"
    if lookup.state == "processing":
        return "bank payment still clearing"
    if lookup.state == "succeeded":
        settled = payment_settle(payment=payment, reference=lookup.reference)
        logger.info("Payment %s: charged, recorded by the reconciliation", payment.pk)
        return str(settled.status)
    # failed, or not_found: the processor never took the money.
    if lookup.state == "not_found":
        reason = _("The payment did not reach the payment processor. You have not been charged.")
    else:
        reason = lookup.message or _("The payment did not go through. You have not been charged.")
    with transaction.atomic():
        released = payment_settle_once(
            payment=payment, declined=PaymentDeclined(lookup.state, reason)
        )
        if released is None:  # settled meanwhile by a webhook or the customer's return
            return str(Payment.objects.get(pk=payment.pk).status)
        if released.processing_at is None:  # a returned bank payment's notices tell the payer
            payer_tell_failed(payment=released, company=Company.load())
    logger.info("Payment %s: not charged (%s), released", payment.pk, lookup.state)
    return "failed"


def _list_for_staff(*, payment: Payment, reason: str) -> int:
    """The payment in the office's inbox as pending too long, once."""
    if getattr(payment, "listed", False):
        return 0
    try:
        with transaction.atomic():
            inbox_item_add(
                kind=InboxItem.Kind.PAYMENT_PENDING,
                property=payment.invoice.property,
                contact=payment.paid_by,
                invoice=payment.invoice,
                payment=payment,
                data={
                    "amount": str(payment.amount),
                    "started_at": payment.created_at.isoformat(),
                    "reconciliation": reason,
                },
            )
    except IntegrityError:
        return 0  # the inbox sweep or another run listed it a moment ago
    return 1
