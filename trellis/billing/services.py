from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple, TypedDict

from django.db import transaction
from django.utils import timezone

from trellis.billing.models import Invoice, InvoiceLine
from trellis.documents.models import money


class LineData(TypedDict, total=False):
    description: str
    quantity: Decimal
    unit_price: Decimal
    taxable: bool


class InvoiceTotals(NamedTuple):
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def invoice_totals(*, lines: Iterable[LineData], tax_rate: Decimal) -> InvoiceTotals:
    """Subtotal, tax and total of these lines at this tax rate (a percentage),
    without saving anything; `invoice_set_lines` stores exactly these.

    Tax is the rate applied to the sum of the taxable lines, rounded half up to
    the cent once, on the sum rather than per line.
    """
    return _totals([InvoiceLine(**line) for line in lines], tax_rate)


def _totals(rows: list[InvoiceLine], tax_rate: Decimal) -> InvoiceTotals:
    subtotal = money(sum((row.amount for row in rows), Decimal(0)))
    taxable = sum((row.amount for row in rows if row.taxable), Decimal(0))
    tax = money(taxable * tax_rate / 100)
    return InvoiceTotals(subtotal=subtotal, tax=tax, total=subtotal + tax)


def invoice_status_for_payment(*, invoice: Invoice) -> str:
    """The status an issued invoice has for what has been paid on it."""
    if invoice.amount_paid <= 0 and invoice.total > 0:
        return Invoice.Status.OPEN
    if invoice.amount_paid >= invoice.total:
        return Invoice.Status.PAID
    return Invoice.Status.PARTIALLY_PAID


def invoice_set_lines(*, invoice: Invoice, lines: Iterable[LineData]) -> Invoice:
    """Replace the invoice's lines, set subtotal, tax and total from them, and
    bring an issued invoice's status in line with what has been paid.

    The totals are `invoice_totals` of the lines at the invoice's tax rate.
    """
    rows = [InvoiceLine(position=position, **line) for position, line in enumerate(lines)]
    invoice.subtotal, invoice.tax, invoice.total = _totals(rows, invoice.tax_rate)
    if invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        invoice.status = invoice_status_for_payment(invoice=invoice)
    if invoice.status != Invoice.Status.PAID:
        invoice.paid_at = None
    elif invoice.paid_at is None:
        invoice.paid_at = timezone.now()
    with transaction.atomic():
        invoice.save()
        invoice.lines.all().delete()
        for row in rows:
            row.invoice = invoice
        InvoiceLine.objects.bulk_create(rows)
    return invoice
