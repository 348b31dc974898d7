"""Paying invoices, without ever charging twice.

A payment goes through three steps, each its own transaction or none:

1. `_payment_start`: with the invoice row locked, check the payment may be
   made and store it as a pending Payment with its idempotency key, then
   commit. The attempt exists before any money moves, and the pending amount
   is reserved: a second attempt on the same invoice sees it and is refused.
2. The gateway is called outside any transaction (a slow processor must not
   hold the invoice lock), with the payment's idempotency key.
3. `_payment_settle`: with the invoice and payment locked again, record what
   the processor answered. A payment that is no longer pending is left alone,
   so settling twice does nothing the second time.

If the processor does not answer, the payment stays pending; `payment_retry`
(or the same form submitted again, with the same key) asks again with the same
key, and the processor answers what it did the first time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.audit.services import audit_record
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import Charge, GatewayUnavailable, PaymentDeclined
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.selectors import invoices_due
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_add
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company
from trellis.refusals import Refused
from trellis.security_log import security_event
from trellis.visibility import visible_invoices

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


class PaymentRefused(Refused):
    """The payment may not be made; `message` says why, in the customer's words."""


class PaymentUnavailable(Exception):
    """The processor did not answer. The payment stays pending: retry it."""

    def __init__(self, payment: Payment) -> None:
        self.message = _(
            "We could not reach the payment processor. You have not been charged twice; try again."
        )
        super().__init__(self.message)
        self.payment = payment


def invoice_pay(
    *,
    invoice_id: int,
    contact: Contact,
    company: Company,
    method: PaymentMethod,
    amount: Decimal,
    idempotency_key: str,
    one_time: bool = False,
) -> Payment:
    """Pay `amount` of an invoice the contact sees with one of their methods.

    Returns the payment, succeeded or failed (declined, with the processor's
    reason). Raises PaymentRefused when it may not be made, Invoice.DoesNotExist
    for an invoice the contact does not see, and PaymentUnavailable when the
    processor did not answer. A key seen before is the same attempt: its payment
    is returned, or asked about again while it is pending; never charged twice.

    `one_time` is for a card the customer entered for this payment without
    saving it: it was tokenised and kept removed, and may pay once.
    """
    payment = _payment_start(
        invoice_id=invoice_id,
        contact=contact,
        company=company,
        method=method,
        amount=amount,
        idempotency_key=idempotency_key,
        one_time=one_time,
    )
    if payment.status != Payment.Status.PENDING:
        return payment
    return _payment_charge(payment=payment, company=company)


def payment_retry(*, payment: Payment, company: Company) -> Payment:
    """Ask the processor again about a pending payment, with the same key."""
    if payment.status != Payment.Status.PENDING:
        return payment
    return _payment_charge(payment=payment, company=company)


@dataclass(frozen=True)
class PayAllResult:
    invoice: Invoice
    payment: Payment | None = None
    error: str = ""


def invoices_pay_all(
    *,
    contact: Contact,
    company: Company,
    method: PaymentMethod,
    batch_key: str,
    property_id: int | None = None,
) -> list[PayAllResult]:
    """Pay the balance of each due invoice the contact sees (of one property, if
    given), each as its own payment with a key made of the batch key and the
    invoice: the same batch submitted twice pays nothing more."""
    invoices = invoices_due(visible_invoices(contact=contact, company=company))
    if property_id is not None:
        invoices = invoices.filter(property_id=property_id)
    results = []
    for invoice in invoices.select_related("property"):
        try:
            payment = invoice_pay(
                invoice_id=invoice.pk,
                contact=contact,
                company=company,
                method=method,
                amount=invoice.balance,
                idempotency_key=f"{batch_key}-{invoice.pk}",
            )
        except (PaymentRefused, PaymentUnavailable) as problem:
            results.append(PayAllResult(invoice=invoice, error=problem.message))
        else:
            results.append(
                PayAllResult(invoice=invoice, payment=payment, error=payment.failure_message)
            )
    return results


def method_problem(*, method: PaymentMethod, contact: Contact, one_time: bool = False) -> str:
    """Why this method can't pay for this contact, or "" if it can. A one-time
    card (entered, not saved) is kept removed, and pays only once."""
    if one_time:
        usable = method.removed_at is not None and not method.payments.exists()
    else:
        usable = method.removed_at is None
    if method.contact_id != contact.pk or not usable:
        return _("Choose one of your saved payment methods.")
    if method.expired_on(timezone.localdate()):
        return _("This card has expired. Choose another payment method.")
    return ""


def _payment_start(
    *,
    invoice_id: int,
    contact: Contact,
    company: Company,
    method: PaymentMethod,
    amount: Decimal,
    idempotency_key: str,
    one_time: bool,
) -> Payment:
    with transaction.atomic():
        # Every attempt on the invoice waits here for the one before it to be
        # stored, so each sees what the others have reserved.
        invoice = (
            visible_invoices(contact=contact, company=company)
            .select_for_update(of=("self",))
            .get(pk=invoice_id)
        )
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.invoice_id != invoice.pk or existing.paid_by_id != contact.pk:
                raise PaymentRefused(_("This payment form has expired. Start again."))
            return existing
        problem = payment_problem(
            invoice=invoice, contact=contact, method=method, amount=amount, one_time=one_time
        )
        if problem:
            raise PaymentRefused(problem)
        return Payment.objects.create(
            invoice=invoice,
            method=method,
            paid_by=contact,
            amount=amount,
            idempotency_key=idempotency_key,
        )


def payment_problem(
    *,
    invoice: Invoice,
    contact: Contact,
    method: PaymentMethod,
    amount: Decimal,
    one_time: bool = False,
) -> str:
    """Why this payment can't be made, in the customer's words, or "" if it can.
    The confirmation screen asks before the customer confirms; `invoice_pay`
    asks again with the invoice locked, which is the answer that counts."""
    if not invoice.is_due:
        return _not_due_message(invoice)
    problem = method_problem(method=method, contact=contact, one_time=one_time)
    if problem:
        return problem
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
        return _("Enter an amount of at least 0.01.")
    reserved = Payment.objects.filter(invoice=invoice, status=Payment.Status.PENDING).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    if amount > invoice.balance - reserved:
        if reserved > 0:
            return _("A payment on this invoice is already being processed.")
        return _("The amount can't be more than the balance due.")
    return ""


def _not_due_message(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.PAID:
        return _("This invoice is already paid.")
    if invoice.status == Invoice.Status.VOID:
        return _("This invoice has been voided: there is nothing to pay.")
    return _("This invoice can't be paid yet.")


def _payment_charge(*, payment: Payment, company: Company) -> Payment:
    assert payment.method is not None  # noqa: S101 (a pending payment always has one)
    try:
        charge = get_gateway().charge(
            token=payment.method.token,
            amount=payment.amount,
            currency=company.currency,
            idempotency_key=payment.idempotency_key,
        )
    except PaymentDeclined as declined:
        return _payment_settle(payment=payment, company=company, declined=declined)
    except GatewayUnavailable:
        logger.warning("Payment %s: the processor did not answer", payment.pk, exc_info=True)
        raise PaymentUnavailable(payment) from None
    return _payment_settle(payment=payment, company=company, charge=charge)


def _payment_settle(
    *,
    payment: Payment,
    company: Company,
    charge: Charge | None = None,
    declined: PaymentDeclined | None = None,
) -> Payment:
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("property")
            .get(pk=payment.invoice_id)
        )
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("method", "paid_by")
            .get(pk=payment.pk)
        )
        if payment.status != Payment.Status.PENDING:
            return payment  # settled by another request with the same key
        payment.invoice = invoice
        payment.completed_at = timezone.now()
        if declined is not None:
            payment.status = Payment.Status.FAILED
            payment.failure_message = declined.message[:300]
            payment.save(update_fields=["status", "failure_message", "completed_at"])
            _record_result(payment=payment, invoice=invoice, company=company, code=declined.code)
            return payment
        assert charge is not None  # noqa: S101
        payment.status = Payment.Status.SUCCEEDED
        payment.processor_reference = charge.reference
        payment.save(update_fields=["status", "processor_reference", "completed_at"])
        invoice_settle(invoice=invoice)
        receipt_queue(payment=payment, invoice=invoice, company=company)
        _record_result(payment=payment, invoice=invoice, company=company)
    return payment


def _record_result(*, payment: Payment, invoice: Invoice, company: Company, code: str = "") -> None:
    """The audit entry, the inbox item and the security log line of a settled payment."""
    succeeded = payment.status == Payment.Status.SUCCEEDED
    audit_record(
        action="payment.succeeded" if succeeded else "payment.failed",
        target=payment,
        data={"invoice": invoice.number, "contact": payment.paid_by_id}
        | ({"amount": str(payment.amount)} if succeeded else {"code": code}),
    )
    inbox_item_add(
        kind=InboxItem.Kind.PAYMENT_RECEIVED if succeeded else InboxItem.Kind.PAYMENT_FAILED,
        company=company,
        property=invoice.property,
        contact=payment.paid_by,
        invoice=invoice,
        payment=payment,
        data={"amount": str(payment.amount)}
        | ({} if succeeded else {"reason": payment.failure_message}),
    )
    _log_result(payment, code=code)


def _log_result(payment: Payment, *, code: str = "") -> None:
    event = "payment.succeeded" if payment.status == Payment.Status.SUCCEEDED else "payment.failed"
    fields = {
        "payment_id": payment.pk,
        "invoice_id": payment.invoice_id,
        "contact_id": payment.paid_by_id,
        "code": code or None,
    }
    transaction.on_commit(lambda: security_event(event, outcome=payment.status, **fields))


def receipt_queue(*, payment: Payment, invoice: Invoice, company: Company) -> None:
    """Queue the payer's receipt, in their language, with a link to the invoice."""
    contact = payment.paid_by
    if contact is None or not contact.email:
        return
    email_queue_from_company(
        kind=OutgoingEmail.Kind.RECEIPT,
        template="payment_receipt",
        to=contact.email,
        language=contact.language,
        company=company,
        context={
            "contact": contact,
            "payment": payment,
            "invoice": invoice,
            "method": payment.method or payment.get_means_display(),
            "reference": payment.processor_reference or payment.reference,
            "link": settings.PUBLIC_BASE_URL + reverse("portal:invoice", args=[invoice.pk]),
        },
        contact=contact,
        about=payment,
    )
