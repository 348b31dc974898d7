"""An invoice's money, derived from its payment records.

This is the one place that writes an invoice's amount paid, its paid status
(open, partially paid, paid) and `paid_at`: from the sum of its succeeded
payments, whoever recorded them (the portal, staff, an import). Call it in the
transaction that changed a payment or the invoice's total, with the invoice
row locked where money moves.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.utils import timezone

from trellis.billing.models import Invoice, Payment
from trellis.documents.models import money

SUCCEEDED = Q(status=Payment.Status.SUCCEEDED)
SETTLED_FIELDS = ["amount_paid", "status", "paid_at", "updated_at"]


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
        sums = Payment.objects.filter(SUCCEEDED, invoice_id=invoice.pk).aggregate(
            paid=Sum("amount"), last=Max("completed_at")
        )
        # money(): SQLite sums decimals as floats, and gives 40 for 40.00.
        paid, last = money(sums["paid"] or Decimal(0)), sums["last"]
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
