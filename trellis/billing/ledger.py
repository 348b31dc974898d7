"""An invoice's money, derived from its payment records.

This is the one place that writes an invoice's amount paid, its paid status
(open, partially paid, paid) and `paid_at`: from the sum of its succeeded
payments, whoever recorded them (the portal, staff, an import), less what was
refunded of them (their succeeded PaymentRefunds). Call it in the transaction
that changed a payment, a refund or the invoice's total, with the invoice row
locked where money moves.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from trellis.billing.models import Invoice, Payment, PaymentRefund
from trellis.documents.models import money

SUCCEEDED = Q(status=Payment.Status.SUCCEEDED)
SETTLED_FIELDS = ["amount_paid", "status", "paid_at", "updated_at"]


def refunds_of_each_payment(status: str) -> Coalesce:
    """The sum of the refunds in `status` of the payment of the outer query (0 if none)."""
    refunds = (
        PaymentRefund.objects.filter(payment=OuterRef("pk"), status=status)
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    amount: DecimalField[Decimal, Decimal] = DecimalField(max_digits=12, decimal_places=2)
    return Coalesce(Subquery(refunds, output_field=amount), Value(Decimal(0)), output_field=amount)


def payments_with_refunds(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """The payments, each with `refunded` (what its succeeded refunds gave back)
    and `refunding` (what its pending ones are asking the processor for), in
    the one query that reads them; money() them before showing them (SQLite)."""
    return payments.annotate(
        refunded=refunds_of_each_payment(PaymentRefund.Status.SUCCEEDED),
        refunding=refunds_of_each_payment(PaymentRefund.Status.PENDING),
    )


def paid_status(*, total: Decimal, amount_paid: Decimal) -> str:
    """The status an issued invoice has for what has been paid on it."""
    if amount_paid <= 0 and total > 0:
        return Invoice.Status.OPEN
    if amount_paid >= total:
        return Invoice.Status.PAID
    return Invoice.Status.PARTIALLY_PAID


def invoice_derive_paid(*, invoice: Invoice) -> None:
    """Set the invoice's amount paid, status and paid_at from its payments,
    without saving. A draft or void invoice keeps its status (it has no
    payments: invoice_void refuses one that has)."""
    paid, last = Decimal(0), None
    if invoice.pk is not None:
        # One query: each succeeded payment less its succeeded refunds, summed.
        sums = Payment.objects.filter(SUCCEEDED, invoice_id=invoice.pk).aggregate(
            paid=Sum("amount"),
            refunded=Sum(refunds_of_each_payment(PaymentRefund.Status.SUCCEEDED)),
            last=Max("completed_at"),
        )
        # money(): SQLite sums decimals as floats, and gives 40 for 40.00.
        paid = money(sums["paid"] or Decimal(0)) - money(sums["refunded"] or Decimal(0))
        last = sums["last"]
    invoice.amount_paid = paid
    if invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        invoice.status = paid_status(total=invoice.total, amount_paid=paid)
    if invoice.status != Invoice.Status.PAID:
        invoice.paid_at = None
    elif invoice.paid_at is None:
        # Paid in full when the payment that completed it was received.
        invoice.paid_at = last or timezone.now()


def invoice_settle(*, invoice: Invoice) -> Invoice:
    """Derive the invoice's money from its payments (invoice_derive_paid) and save it."""
    invoice_derive_paid(invoice=invoice)
    invoice.save(update_fields=SETTLED_FIELDS)
    return invoice


def invoice_standing(*, invoice_id: int, besides: Payment | None = None) -> Decimal:
    """What stands paid on the invoice or is being paid: its succeeded and
    pending payments (but `besides`), less what their succeeded refunds gave
    back; a pending refund still stands (the processor may yet refuse it).
    What a new payment must fit beside, and what voiding the invoice waits for."""
    standing = Payment.objects.filter(
        invoice_id=invoice_id, status__in=[Payment.Status.SUCCEEDED, Payment.Status.PENDING]
    )
    if besides is not None:
        standing = standing.exclude(pk=besides.pk)
    sums = standing.aggregate(
        taken=Sum("amount"), refunded=Sum(refunds_of_each_payment(PaymentRefund.Status.SUCCEEDED))
    )
    return money(sums["taken"] or Decimal(0)) - money(sums["refunded"] or Decimal(0))
