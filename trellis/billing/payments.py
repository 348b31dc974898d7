"""Paying invoices, without ever charging twice.

A payment goes through three steps, each its own transaction or none:

1. `_payment_start`: with the invoice row locked, check the payment may be
   made and store it as a pending Payment with its idempotency key, then
   commit. The attempt exists before any money moves, and the pending amount
   is reserved: a second attempt on the same invoice sees it and is refused.
2. The gateway is called outside any transaction (a slow processor must not
   hold the invoice lock), with the payment's idempotency key.
3. `payment_settle`: with the invoice locked again, record what the
   processor answered. A payment that is no longer pending is left alone, so
   settling twice does nothing the second time. Whoever learns the answer
   settles through it: this request, the customer's return from their bank's
   prompt (trellis.billing.processor_results), a webhook
   (trellis.billing.processor_events), the reconciliation of payments left
   pending (trellis.billing.reconciliation).

The payer's receipt and the staff's inbox item (with the emails staff asked
for) are not made in the request: once the settling commits, a task does
(`payment_notices_send`), so the page answers without rendering any email.

If the processor does not answer, the payment stays pending; `payment_retry`
(or the same form submitted again, with the same key) asks again with the same
key, and the processor answers what it did the first time. If the
customer's bank wants them to confirm the charge (3-D Secure), it stays
pending too, until the processor says how it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.audit.services import audit_record
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import GatewayUnavailable, PaymentDeclined
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.payer_emails import payer_tell_failed, receipt_queue
from trellis.billing.processor_customers import processor_customer_of
from trellis.billing.selectors import invoices_due, invoices_due_first
from trellis.billing.services import invoice_locked
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_add
from trellis.mail.delivery import task_enqueue_on_commit
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
    origin: str = Payment.Origin.CUSTOMER,
) -> Payment:
    """Pay `amount` of an invoice the contact sees with one of their methods.

    Returns the payment, succeeded or failed (declined, with the processor's
    reason). Raises PaymentRefused when it may not be made, Invoice.DoesNotExist
    for an invoice the contact does not see, and PaymentUnavailable when the
    processor did not answer. A key seen before is the same attempt: its payment
    is returned, or asked about again while it is pending; never charged twice.

    `one_time` is for a card the customer entered for this payment without
    saving it: it was tokenised and kept removed, and may pay once. `origin`
    autopay or office: Trellis charges the contact's saved method for them,
    who is not at the page (the processor is told: off-session).
    """
    payment = _payment_start(
        invoice_id=invoice_id,
        contact=contact,
        company=company,
        method=method,
        amount=amount,
        idempotency_key=idempotency_key,
        one_time=one_time,
        origin=origin,
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


# "Pay all due" pays at most this many invoices at once, the oldest due first:
# the page lists them and says how many more there are.
PAY_ALL_LIMIT = 50


def _pay_all_candidates(
    *, contact: Contact, company: Company, property_id: int | None
) -> QuerySet[Invoice]:
    invoices = visible_invoices(contact=contact, company=company)
    if property_id is not None:
        invoices = invoices.filter(property_id=property_id)
    return invoices.select_related("property")


@dataclass(frozen=True)
class PayAllPage:
    """What "Pay all due" shows and pays: the oldest due invoices, at most
    PAY_ALL_LIMIT, their total, and how many more are due (and their total)."""

    invoices: list[Invoice]
    total: Decimal
    more: int
    more_total: Decimal


def invoices_pay_all_page(
    *, contact: Contact, company: Company, property_id: int | None = None
) -> PayAllPage:
    """The "Pay all due" page's invoices: what `invoices_pay_all` pays."""
    invoices, count, balance = invoices_due_first(
        _pay_all_candidates(contact=contact, company=company, property_id=property_id),
        first=PAY_ALL_LIMIT,
    )
    total = sum((invoice.balance for invoice in invoices), Decimal(0))
    return PayAllPage(
        invoices=invoices, total=total, more=count - len(invoices), more_total=balance - total
    )


def invoices_pay_all(
    *,
    contact: Contact,
    company: Company,
    method: PaymentMethod,
    batch_key: str,
    property_id: int | None = None,
    invoice_ids: Collection[int] | None = None,
) -> list[PayAllResult]:
    """Pay the balance of the PAY_ALL_LIMIT oldest due invoices the contact sees
    (of one property, if given; of `invoice_ids`, the ones the page showed, if
    given), each as its own payment with a key made of the batch key and the
    invoice: the same batch submitted twice pays nothing more."""
    invoices = invoices_due(
        _pay_all_candidates(contact=contact, company=company, property_id=property_id)
    )
    if invoice_ids is not None:
        invoices = invoices.filter(pk__in=invoice_ids)
    results = []
    for invoice in invoices[:PAY_ALL_LIMIT]:
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
    if not method.chargeable:
        return _(
            "This bank account is not verified yet: confirm its two small deposits "
            "under Manage Payments, or choose another payment method."
        )
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
    origin: str,
) -> Payment:
    with transaction.atomic():
        # Every attempt on the invoice waits here for the one before it to be
        # stored, so each sees what the others have reserved.
        invoice = (
            visible_invoices(contact=contact, company=company)
            .select_for_update(of=("self",))
            .get(pk=invoice_id)
        )
        # Read after the lock, in one query: the payment this key made (on any
        # invoice), and the pending ones on this invoice, whose amounts are reserved.
        payments = list(
            Payment.objects.filter(
                Q(idempotency_key=idempotency_key)
                | Q(invoice_id=invoice.pk, status=Payment.Status.PENDING)
            )
        )
        existing = next((p for p in payments if p.idempotency_key == idempotency_key), None)
        if existing is not None:
            if existing.invoice_id != invoice.pk or existing.paid_by_id != contact.pk:
                raise PaymentRefused(_("This payment form has expired. Start again."))
            return existing
        problem = payment_problem(
            invoice=invoice,
            contact=contact,
            method=method,
            amount=amount,
            one_time=one_time,
            reserved=sum(
                (p.amount for p in payments if p.status == Payment.Status.PENDING), Decimal(0)
            ),
        )
        if problem:
            raise PaymentRefused(problem)
        return Payment.objects.create(
            invoice=invoice,
            method=method,
            paid_by=contact,
            amount=amount,
            idempotency_key=idempotency_key,
            origin=origin,
        )


def payment_problem(
    *,
    invoice: Invoice,
    contact: Contact,
    method: PaymentMethod,
    amount: Decimal,
    one_time: bool = False,
    reserved: Decimal | None = None,
) -> str:
    """Why this payment can't be made, in the customer's words, or "" if it can.
    The confirmation screen asks before the customer confirms; `invoice_pay`
    asks again with the invoice locked, which is the answer that counts, and
    passes what the pending payments on it `reserved`, read under that lock."""
    if not invoice.is_due:
        return _not_due_message(invoice)
    problem = method_problem(method=method, contact=contact, one_time=one_time)
    if problem:
        return problem
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
        return _("Enter an amount of at least 0.01.")
    if reserved is None:
        reserved = invoice_reserved(invoice)
    if amount > invoice.balance - reserved:
        if reserved > 0:
            return _("A payment on this invoice is already being processed.")
        return _("The amount can't be more than the balance due.")
    return ""


def invoice_reserved(invoice: Invoice, payments: Iterable[Payment] | None = None) -> Decimal:
    """What the invoice's pending payments hold back from its balance (a bank
    payment clearing, a card payment waiting for the customer's bank): not
    paid yet, and not payable again. `payments`: the invoice's payments when
    the caller has them loaded already."""
    if payments is None:
        payments = Payment.objects.filter(invoice=invoice, status=Payment.Status.PENDING)
    return sum((p.amount for p in payments if p.status == Payment.Status.PENDING), Decimal(0))


def _not_due_message(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.PAID:
        return _("This invoice is already paid.")
    if invoice.status == Invoice.Status.VOID:
        return _("This invoice has been voided: there is nothing to pay.")
    return _("This invoice can't be paid yet.")


def _payment_charge(*, payment: Payment, company: Company) -> Payment:
    """Ask the processor to take a pending payment: the customer at the page,
    or (autopay, a bulk charge) not, when their bank cannot ask them anything.

    A charge the customer's bank wants them to confirm (3-D Secure) leaves the
    payment pending with the processor's reference: the payment page shows the
    bank's prompt (`payment_refresh`), and the browser's return, the webhook
    or the reconciliation settles it.
    """
    assert payment.method is not None  # noqa: S101 (a pending payment always has one)
    assert payment.paid_by is not None  # noqa: S101 (a portal payment has its payer)
    gateway = get_gateway()
    try:
        charge = gateway.charge(
            token=payment.method.token,
            customer=processor_customer_of(contact=payment.paid_by, gateway=gateway),
            amount=payment.amount,
            currency=company.currency,
            idempotency_key=payment.idempotency_key,
            customer_present=payment.origin == Payment.Origin.CUSTOMER,
            return_url=settings.PUBLIC_BASE_URL
            + reverse("portal:payment", args=[payment.invoice_id, payment.pk]),
        )
    except PaymentDeclined as declined:
        return payment_settle(payment=payment, declined=declined)
    except GatewayUnavailable:
        logger.warning("Payment %s: the processor did not answer", payment.pk, exc_info=True)
        raise PaymentUnavailable(payment) from None
    if charge.status == "requires_action":
        _reference_keep(payment=payment, reference=charge.reference)
        return payment
    if charge.status == "processing":
        _reference_keep(payment=payment, reference=charge.reference, processing=True)
        return payment
    return payment_settle(payment=payment, reference=charge.reference)


def _reference_keep(*, payment: Payment, reference: str, processing: bool = False) -> None:
    """Keep the processor's reference of a charge still open, for staff and for
    the lookups that settle it; only while the payment is pending. A bank
    payment the processor accepted is marked `processing_at`: it clears, or is
    returned, days later (a webhook settles it), and is not asked about
    before then (trellis.billing.reconciliation)."""
    fields: dict[str, object] = {"processor_reference": reference}
    if processing:
        fields["processing_at"] = timezone.now()
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(**fields)
    for name, value in fields.items():
        setattr(payment, name, value)


def payment_settle(
    *, payment: Payment, reference: str = "", declined: PaymentDeclined | None = None
) -> Payment:
    """Record what the processor said of a pending payment: charged, with its
    `reference`, or not (`declined`, with the reason the customer reads).

    The one way a portal payment leaves pending, whoever learnt the answer: the
    request that charged, the customer's return from their bank, a webhook, the
    reconciliation. Returns the payment as stored; one that was settled already
    is left as it was, so the same answer learnt twice is recorded once (one
    payment, one receipt).
    """
    settled = payment_settle_once(payment=payment, reference=reference, declined=declined)
    if settled is None:
        return Payment.objects.select_related("method", "paid_by").get(pk=payment.pk)
    return settled


def payment_settle_once(
    *, payment: Payment, reference: str = "", declined: PaymentDeclined | None = None
) -> Payment | None:
    """`payment_settle`, returning None when the payment was no longer pending
    (settled by someone else first): a caller that does more with the answer
    (the reconciliation tells the payer) does it only when this call recorded it."""
    with transaction.atomic():
        invoice = invoice_locked(invoice_id=payment.invoice_id)
        result: dict[str, object] = {"completed_at": timezone.now()}
        if declined is not None:
            result |= {"status": Payment.Status.FAILED, "failure_message": declined.message[:300]}
        else:
            result |= {
                "status": Payment.Status.SUCCEEDED,
                "processor_reference": reference or payment.processor_reference,
            }
        # Checking that it is still pending and recording the answer are one
        # statement, which locks the payment's row: of two settlings with the
        # same key, only the first changes it.
        if not Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            **result
        ):
            return None
        for field, value in result.items():
            setattr(payment, field, value)
        payment.invoice = invoice
        if declined is None:
            invoice_settle(invoice=invoice)
        _record_result(payment=payment, invoice=invoice, code=declined.code if declined else "")
    return payment


def _record_result(*, payment: Payment, invoice: Invoice, code: str = "") -> None:
    """The audit entry of a settled payment, in its transaction; its security log
    line, its receipt and its inbox item once that commits."""
    succeeded = payment.status == Payment.Status.SUCCEEDED
    audit_record(
        action="payment.succeeded" if succeeded else "payment.failed",
        target=payment,
        data={"invoice": invoice.number, "contact": payment.paid_by_id}
        | ({"amount": str(payment.amount)} if succeeded else {"code": code}),
    )
    _log_result(payment, code=code)
    _notices_enqueue(payment_id=payment.pk)


def _notices_enqueue(*, payment_id: int) -> None:
    from trellis.billing.tasks import payment_notices  # the task module imports this one

    task_enqueue_on_commit(
        payment_notices,
        failure=f"Could not enqueue the receipt and inbox item of payment {payment_id}",
        payment_id=payment_id,
    )


def payment_notices_send(*, payment_id: int) -> None:
    """The settled payment's receipt to the payer (when it succeeded) and its
    inbox item, with the emails staff asked to get at once about it.

    Run by the worker once the payment committed (trellis.billing.tasks), so the
    request never renders them. Safe to run twice: the inbox item, added in the
    same transaction as the receipt, marks that it ran.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("invoice__property", "method", "paid_by")
            .get(pk=payment_id)
        )
        succeeded = payment.status == Payment.Status.SUCCEEDED
        kind = InboxItem.Kind.PAYMENT_RECEIVED if succeeded else InboxItem.Kind.PAYMENT_FAILED
        if (
            payment.status == Payment.Status.PENDING
            or InboxItem.objects.filter(payment=payment, kind=kind).exists()
        ):
            return
        company = Company.load()
        invoice = payment.invoice
        if succeeded:
            receipt_queue(payment=payment, invoice=invoice, company=company)
        elif payment.customer_away:
            # A bank payment returned days after the customer left the page,
            # or a charge made for them: they learn it, and why, only here.
            payer_tell_failed(payment=payment, company=company)
        inbox_item_add(
            kind=kind,
            company=company,
            property=invoice.property,
            contact=payment.paid_by,
            invoice=invoice,
            payment=payment,
            data={"amount": str(payment.amount)}
            | ({} if succeeded else {"reason": payment.failure_message}),
        )


# A settled payment's notices are its task's to make for this long; after it,
# the sweep makes those a lost task never made, for as long as this looks back.
NOTICES_GRACE = timedelta(minutes=2)
NOTICES_LOOK_BACK = timedelta(days=7)


def payment_notices_due() -> int:
    """Make the notices of the portal payments settled lately whose task was lost
    (the queue was down, or the process stopped between the commit and the
    enqueue); `trellis send_queued_email` runs it. Returns how many it made."""
    now = timezone.now()
    noticed = InboxItem.objects.filter(
        payment=OuterRef("pk"),
        kind__in=[InboxItem.Kind.PAYMENT_RECEIVED, InboxItem.Kind.PAYMENT_FAILED],
    )
    lost = (
        Payment.objects.filter(
            source=Payment.Source.PORTAL,
            status__in=[Payment.Status.SUCCEEDED, Payment.Status.FAILED],
            completed_at__range=(now - NOTICES_LOOK_BACK, now - NOTICES_GRACE),
        )
        .exclude(Exists(noticed))
        .values_list("pk", flat=True)
    )
    payment_ids = list(lost)
    for payment_id in payment_ids:
        payment_notices_send(payment_id=payment_id)
    return len(payment_ids)


def _log_result(payment: Payment, *, code: str = "") -> None:
    event = "payment.succeeded" if payment.status == Payment.Status.SUCCEEDED else "payment.failed"
    fields = {
        "payment_id": payment.pk,
        "invoice_id": payment.invoice_id,
        "contact_id": payment.paid_by_id,
        "code": code or None,
    }
    transaction.on_commit(lambda: security_event(event, outcome=payment.status, **fields))
