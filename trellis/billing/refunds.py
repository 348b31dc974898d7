"""Refunds of card payments, through the processor, without ever refunding twice.

A refund staff ask for goes through the three steps of a payment
(trellis.billing.payments):

1. `_refund_start`: with the invoice row locked, check the refund may be made
   (a portal card payment that went through, an amount it has left, a reason)
   and store it as a pending PaymentRefund with its idempotency key, then
   commit. What is pending is reserved: a second refund sees it.
2. The gateway is called outside any transaction, with the refund's key. No
   answer leaves it pending; `refund_retry` (the reconciliation, or the same
   form posted again) asks again with the same key, and the processor answers
   what it did the first time. A refusal records it failed, with the reason.
3. `refund_settle_once`: with the invoice locked again, record the answer, if
   the refund is still pending (checked in the UPDATE itself): the invoice's
   money follows (trellis.billing.ledger), the audit entry is written, and
   once that commits the customer is emailed and the security log told.

The processor tells of refunds by webhook too (`refund_event_apply`): one
Trellis asked for is settled by the same step 3; one made in the processor's
dashboard is recorded, so the balance follows; one seen before (a processor
sends several events for one refund) changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import GatewayEvent, GatewayUnavailable, PaymentDeclined
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment, PaymentRefund
from trellis.billing.payer_emails import payer_email_queue
from trellis.billing.payments import CENT
from trellis.billing.services import invoice_locked
from trellis.company.models import Company
from trellis.documents.models import money
from trellis.mail.models import OutgoingEmail
from trellis.refusals import Refused
from trellis.security_log import security_event

logger = logging.getLogger(__name__)

Status = PaymentRefund.Status


class RefundRefused(Refused):
    """The refund may not be made; `message` says why, in staff's words."""


def payment_refund(
    *, payment_id: int, amount: Decimal, reason: str, staff: User, idempotency_key: str
) -> PaymentRefund:
    """Give `amount` of a portal card payment back to the customer, through the
    processor, saying why (`reason`, staff's words, kept and audited).

    Returns the refund: succeeded, failed (refused by the processor, with its
    reason in `failure_message`), or pending when the processor did not answer
    (asked again with the same key by `refund_retry`). Raises RefundRefused
    when it may not be made, Payment.DoesNotExist for no such payment. A key
    seen before is the same refund: returned, or asked about again while it is
    pending; never refunded twice."""
    refund = _refund_start(
        payment_id=payment_id,
        amount=amount,
        reason=reason,
        staff=staff,
        idempotency_key=idempotency_key,
    )
    return refund_retry(refund=refund)


def refund_retry(*, refund: PaymentRefund) -> PaymentRefund:
    """Ask the processor about a pending refund, with its own key; any other
    refund is returned as it is."""
    if refund.status != Status.PENDING:
        return refund
    payment = refund.payment
    gateway = get_gateway()
    if payment.method is None or payment.method.processor != gateway.name:
        # Asked of a processor Trellis is no longer set up for: staff's to look at.
        logger.warning("Refund %s: made through another processor, left pending", refund.pk)
        return refund
    try:
        answer = gateway.refund(
            reference=payment.processor_reference,
            amount=refund.amount,
            currency=Company.load().currency,
            idempotency_key=refund.idempotency_key,
        )
    except PaymentDeclined as declined:
        return refund_settle(refund=refund, declined=declined)
    except GatewayUnavailable:
        logger.warning("Refund %s: the processor did not answer", refund.pk, exc_info=True)
        return refund
    if answer.amount != refund.amount:
        logger.error(
            "Refund %s of %s: the processor says it refunded %s",
            refund.pk,
            refund.amount,
            answer.amount,
        )
    return refund_settle(refund=refund, reference=answer.reference)


def _refund_start(
    *, payment_id: int, amount: Decimal, reason: str, staff: User, idempotency_key: str
) -> PaymentRefund:
    if not staff.is_staff:
        raise RefundRefused("Only staff refund payments.")
    reason = " ".join(reason.split())
    with transaction.atomic():
        invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
        # Every refund and payment of the invoice waits here for the one before
        # it to be stored, so each sees what the others have reserved.
        invoice = invoice_locked(invoice_id=invoice_id)
        payment = Payment.objects.select_related("method").get(pk=payment_id)
        payment.invoice = invoice
        refunds = list(
            PaymentRefund.objects.filter(Q(idempotency_key=idempotency_key) | Q(payment=payment))
        )
        existing = next((r for r in refunds if r.idempotency_key == idempotency_key), None)
        if existing is not None:
            if existing.payment_id != payment.pk:
                raise RefundRefused("This refund form has expired: open the invoice again.")
            existing.payment = payment
            return existing
        problem = refund_problem(payment=payment, amount=amount, reason=reason, refunds=refunds)
        if problem:
            raise RefundRefused(problem)
        return PaymentRefund.objects.create(
            payment=payment,
            amount=amount,
            reason=reason[:300],
            requested_by=staff,
            idempotency_key=idempotency_key,
        )


def refund_left(*, payment: Payment, refunds: list[PaymentRefund]) -> Decimal:
    """What is left to refund of the payment: its amount less its succeeded
    and pending `refunds` (all of its refunds)."""
    taken = sum((r.amount for r in refunds if r.status != Status.FAILED), Decimal(0))
    return payment.amount - taken


def refund_problem(
    *, payment: Payment, amount: Decimal, reason: str, refunds: list[PaymentRefund]
) -> str:
    """Why this refund can't be made, in staff's words, or "" if it can;
    `refunds` are all of the payment's, read under the invoice's lock."""
    invoice = payment.invoice
    if payment.source != Payment.Source.PORTAL:
        return (
            "Only a card payment made in the portal is refunded through the payment "
            "processor: a payment recorded outside the portal is reversed instead."
        )
    if payment.status == Payment.Status.PENDING:
        return "This payment is still being processed: refund it once it has gone through."
    if payment.status != Payment.Status.SUCCEEDED:
        return "This payment did not go through: nothing was taken, so nothing can be refunded."
    gateway = get_gateway()
    if payment.method is None or payment.method.processor != gateway.name:
        processor = payment.method.processor if payment.method else "another processor"
        return (
            f"This payment was taken through {processor}, which Trellis is not set up "
            "for now: refund it in that processor's dashboard."
        )
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
        return "Enter an amount of at least 0.01."
    if not reason:
        return "Say why the payment is refunded."
    left = refund_left(payment=payment, refunds=refunds)
    if left <= 0:
        return f"The payment of {payment.amount} on {invoice.number} is refunded in full already."
    if amount > left:
        taken = payment.amount - left
        return (
            f"{amount} is more than the {left} left to refund of the payment of "
            f"{payment.amount} on {invoice.number}"
            + (f" ({taken} refunded or being refunded)." if taken else ".")
        )
    return ""


def refund_settle(
    *, refund: PaymentRefund, reference: str = "", declined: PaymentDeclined | None = None
) -> PaymentRefund:
    """Record what the processor said of a pending refund (`refund_settle_once`);
    the refund as stored, if someone recorded it first."""
    settled = refund_settle_once(refund=refund, reference=reference, declined=declined)
    if settled is None:
        return PaymentRefund.objects.select_related("payment").get(pk=refund.pk)
    return settled


def refund_settle_once(
    *, refund: PaymentRefund, reference: str = "", declined: PaymentDeclined | None = None
) -> PaymentRefund | None:
    """Record the processor's answer of a pending refund: given back, with its
    `reference`, or not (`declined`, with the reason). None when it was no
    longer pending (settled by someone else first): the same answer learnt
    twice (the request, a webhook, the reconciliation) is recorded once."""
    payment = refund.payment
    with transaction.atomic():
        invoice = invoice_locked(invoice_id=payment.invoice_id)
        result: dict[str, object] = {"completed_at": timezone.now()}
        if declined is not None:
            result |= {"status": Status.FAILED, "failure_message": declined.message[:300]}
        else:
            result |= {
                "status": Status.SUCCEEDED,
                "processor_reference": reference or refund.processor_reference,
            }
        # Checking that it is still pending and recording the answer are one
        # statement, which locks the refund's row: of two settlings, only the
        # first changes it.
        if not PaymentRefund.objects.filter(pk=refund.pk, status=Status.PENDING).update(**result):
            return None
        for field, value in result.items():
            setattr(refund, field, value)
        payment.invoice = invoice
        if declined is None:
            invoice_settle(invoice=invoice)
            _refunded_record(refund=refund, payment=payment, invoice=invoice)
        else:
            audit_record(
                action="payment.refund_failed",
                actor=refund.requested_by,
                target=payment,
                data={
                    "invoice": invoice.number,
                    "refund": refund.pk,
                    "amount": str(refund.amount),
                    "code": declined.code,
                },
            )
    return refund


def _refunded_record(*, refund: PaymentRefund, payment: Payment, invoice: Invoice) -> None:
    """The audit entry of a refund given back, in its transaction; the
    customer's email (an outbox row, sent once this commits) and the security
    log line once it commits."""
    staff = refund.requested_by
    audit_record(
        action="payment.refunded",
        actor=staff,
        target=payment,
        data={
            "invoice": invoice.number,
            "refund": refund.pk,
            "amount": str(refund.amount),
            "reason": refund.reason,
            "reference": refund.processor_reference,
        },
    )
    refund_email_queue(refund=refund, payment=payment, invoice=invoice)
    fields = {
        "refund_id": refund.pk,
        "payment_id": payment.pk,
        "invoice_id": invoice.pk,
        "amount": str(refund.amount),
    }
    transaction.on_commit(
        lambda: security_event("payment.refunded", user=staff, outcome="succeeded", **fields)
    )


def refund_email_queue(*, refund: PaymentRefund, payment: Payment, invoice: Invoice) -> None:
    """Queue the payer's email that money went back to their card, in their
    language, with a link to the invoice (and the balance now owed on it)."""
    payer_email_queue(
        payment=payment,
        invoice=invoice,
        company=Company.load(),
        kind=OutgoingEmail.Kind.NOTIFICATION,
        template="payment_refunded",
        context={"refund": refund, "method": payment.method or ""},
        about=invoice,
    )


# --- what the processor tells ------------------------------------------------


def refund_event_apply(*, processor: str, event: GatewayEvent) -> Payment | None:
    """Apply a verified refund.succeeded event of `processor`, in the
    transaction that stores it (trellis.billing.processor_events). Returns the
    refunded payment, or None when the refund is of no payment Trellis knows.

    A refund Trellis asked for (its key, else its reference) is settled if it
    is pending; one known already changes nothing; one made in the processor's
    dashboard is recorded, succeeded, on the payment whose charge it refunds."""
    refunds = PaymentRefund.objects.select_related("payment", "requested_by").filter(
        payment__source=Payment.Source.PORTAL, payment__method__processor=processor
    )
    known = None
    if event.refund_key:
        known = refunds.filter(idempotency_key=event.refund_key).first()
    if known is None and event.reference:
        known = refunds.filter(processor_reference=event.reference).first()
    if known is not None:
        if known.status == Status.PENDING:
            refund_settle(refund=known, reference=event.reference)
        elif known.status == Status.FAILED:
            # Recorded as refused, and the processor says it refunded: a person must look.
            logger.error(
                "Refund %s is recorded failed, but %s says refund %s succeeded",
                known.pk,
                event.id,
                event.reference,
            )
        return known.payment
    payment = None
    if event.charge_reference:
        payment = Payment.objects.filter(
            source=Payment.Source.PORTAL,
            method__processor=processor,
            processor_reference=event.charge_reference,
        ).first()
    if payment is None:
        return None
    _refund_made_elsewhere_record(payment=payment, event=event)
    return payment


def _refund_made_elsewhere_record(*, payment: Payment, event: GatewayEvent) -> None:
    """Record a refund made in the processor's dashboard: no reason, nobody
    who asked in Trellis; the invoice's balance follows."""
    if event.amount is None or event.amount <= 0 or not event.reference:
        logger.error("Refund event %s names no amount or reference: not recorded", event.id)
        return
    amount = money(event.amount)
    with transaction.atomic():
        invoice = invoice_locked(invoice_id=payment.invoice_id)
        payment.invoice = invoice
        given_back = PaymentRefund.objects.filter(payment=payment, status=Status.SUCCEEDED)
        if amount > payment.amount - sum(given_back.values_list("amount", flat=True), Decimal(0)):
            logger.error(
                "Payment %s of %s: event %s refunds %s, more than is left of it: not recorded",
                payment.pk,
                payment.amount,
                event.id,
                amount,
            )
            return
        try:
            with transaction.atomic():
                refund = PaymentRefund.objects.create(
                    payment=payment,
                    amount=amount,
                    status=Status.SUCCEEDED,
                    idempotency_key=f"processor-{uuid.uuid4().hex}",
                    processor_reference=event.reference,
                    completed_at=timezone.now(),
                )
        except IntegrityError:
            return  # recorded a moment ago, from another event of the same refund
        invoice_settle(invoice=invoice)
        _refunded_record(refund=refund, payment=payment, invoice=invoice)


# --- refunds left pending ----------------------------------------------------


def refunds_pending(*, asked: tuple[datetime, datetime], limit: int) -> list[PaymentRefund]:
    """The refunds still pending that were asked for in the range `asked`, oldest first."""
    return list(
        PaymentRefund.objects.filter(status=Status.PENDING, created_at__range=asked)
        .select_related("payment__method", "requested_by")
        .order_by("created_at", "pk")[:limit]
    )
