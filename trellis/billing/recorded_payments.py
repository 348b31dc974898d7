"""Payments recorded outside the portal: offline payments staff enter (a
cheque, cash, a bank transfer), payments the import brings from the company's
other system, and reversing either of them.

Each one changes what the invoice's amount paid is derived from
(trellis.billing.ledger), with the invoice row locked, in the same
transaction as its audit entry and any receipt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing.ledger import invoice_settle, invoice_standing
from trellis.billing.models import Invoice, Payment
from trellis.billing.payer_emails import receipt_queue
from trellis.billing.payments import CENT
from trellis.billing.services import invoice_locked
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.documents.selectors import document_recipient
from trellis.refusals import Refused


class PaymentRecordRefused(Refused):
    """The payment can't be recorded or reversed; `message` says why, for staff."""


def _new_key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def _received_at(day: dt.date) -> dt.datetime:
    # Money recorded by the day it came in; noon UTC keeps the day in any zone near it.
    # Never later than now: money received today, recorded in the morning, was
    # not received this afternoon (nor is the invoice paid in the future).
    return min(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), timezone.now())


def _room_for(invoice: Invoice, amount: Decimal, *, besides: Payment | None = None) -> str:
    """Why `amount` can't be added to what is paid or reserved on the invoice, or ""."""
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
        return "Enter an amount of at least 0.01."
    taken = invoice_standing(invoice_id=invoice.pk, besides=besides)
    if taken + amount > invoice.total:
        left = invoice.total - taken
        return (
            f"{amount} is more than the {left} left to pay on {invoice} "
            f"(total {invoice.total}, {taken} paid or being processed)."
        )
    return ""


def _payer(invoice: Invoice) -> Contact | None:
    recipient = document_recipient(document=invoice)
    return recipient.contact if recipient is not None else None


def payment_record_offline(
    *,
    invoice_id: int,
    amount: Decimal,
    means: str,
    received_on: dt.date,
    reference: str,
    recorded_by: User,
    send_receipt: bool = True,
) -> Payment:
    """Staff record money received outside the portal. The invoice must be
    issued and the amount fit its balance (what is being processed counts).
    The Billing contact is the payer, and gets a receipt if `send_receipt`."""
    if not recorded_by.is_staff:
        raise PaymentRecordRefused("Only staff record payments received outside the portal.")
    if means not in Payment.Means.values:
        raise PaymentRecordRefused("Choose how it was paid.")
    if received_on > timezone.localdate():
        raise PaymentRecordRefused("The day it was received can't be in the future.")
    company = Company.load()
    with transaction.atomic():
        invoice = invoice_locked(invoice_id=invoice_id)
        if not invoice.is_due:
            raise PaymentRecordRefused(_not_payable(invoice))
        problem = _room_for(invoice, amount)
        if problem:
            raise PaymentRecordRefused(problem)
        payment = Payment.objects.create(
            invoice=invoice,
            source=Payment.Source.OFFLINE,
            status=Payment.Status.SUCCEEDED,
            paid_by=_payer(invoice),
            amount=amount,
            means=means,
            reference=reference.strip()[:100],
            received_on=received_on,
            recorded_by=recorded_by,
            idempotency_key=_new_key("offline"),
            completed_at=_received_at(received_on),
        )
        invoice_settle(invoice=invoice)
        audit_record(
            action="payment.recorded_offline",
            actor=recorded_by,
            target=payment,
            data={
                "invoice": invoice.number,
                "amount": str(amount),
                "means": means,
                "reference": payment.reference,
                "received_on": received_on.isoformat(),
            },
        )
        if send_receipt:
            receipt_queue(payment=payment, invoice=invoice, company=company)
    return payment


def _not_payable(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.PAID:
        return f"{invoice} is already paid in full."
    if invoice.status == Invoice.Status.VOID:
        return f"{invoice} is void: nothing is owed on it."
    return f"{invoice} is a draft: issue it before recording a payment."


def payment_reverse(*, payment_id: int, reason: str, actor: User | None) -> Payment:
    """Undo an offline or imported payment (a cheque that bounced, one entered
    twice), saying why; the invoice's balance is owed again. A portal payment is
    refused: money taken through the processor goes back as a refund."""
    reason = " ".join(reason.split())
    if not reason:
        raise PaymentRecordRefused("Say why the payment is reversed.")
    with transaction.atomic():
        invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
        invoice = invoice_locked(invoice_id=invoice_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.source == Payment.Source.PORTAL:
            raise PaymentRecordRefused(
                "A payment made in the portal goes back to the customer as a refund "
                "through the payment processor, not a reversal."
            )
        if payment.status != Payment.Status.SUCCEEDED:
            raise PaymentRecordRefused(
                f"This payment is already {payment.get_status_display().lower()}."
            )
        payment.status = Payment.Status.REVERSED
        payment.reversed_at = timezone.now()
        payment.reversed_by = actor
        payment.reversal_reason = reason[:300]
        payment.save(update_fields=["status", "reversed_at", "reversed_by", "reversal_reason"])
        invoice_settle(invoice=invoice)
        audit_record(
            action="payment.reversed",
            actor=actor,
            target=payment,
            data={"invoice": invoice.number, "amount": str(payment.amount), "reason": reason},
        )
    return payment


class LookUp:
    """payment_import's default: find the payment by its external id."""


LOOK_UP = LookUp()


def payment_import(
    *,
    invoice: Invoice,
    external_id: str,
    amount: Decimal,
    received_on: dt.date,
    means: str,
    reference: str,
    completed_at: dt.datetime | None = None,
    payment: Payment | LookUp | None = LOOK_UP,
) -> Payment:
    """Record a payment the company's other system holds, or change the amount,
    day, means or reference of the one imported before with this `external_id`
    (`payment`, when the caller has loaded it already: None if there is none).

    Part of an import's transaction; the caller settles the invoice once all of
    its payments are written. Raises PaymentRecordRefused, having written
    nothing, if the invoice can't take it: a draft or void invoice, or more than
    is left to pay. Who paid is not known: the file does not say."""
    if isinstance(payment, LookUp):
        payment = Payment.objects.filter(external_id=external_id).first()
    if payment is not None and payment.invoice_id != invoice.pk:
        raise PaymentRecordRefused(f"payment {external_id!r} belongs to {payment.invoice}.")
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        raise PaymentRecordRefused(_not_payable(invoice))
    counts = payment is None or payment.status == Payment.Status.SUCCEEDED
    problem = _room_for(invoice, amount, besides=payment) if counts else ""
    if problem:
        raise PaymentRecordRefused(problem)
    if payment is None:
        payment = Payment(
            invoice=invoice,
            source=Payment.Source.IMPORTED,
            status=Payment.Status.SUCCEEDED,
            external_id=external_id,
            idempotency_key=_new_key("imported"),
        )
    payment.amount = amount
    payment.received_on = received_on
    payment.means = means
    payment.reference = reference[:100]
    payment.completed_at = completed_at or _received_at(received_on)
    payment.save()
    return payment
