"""Writing invoices: their lines (staff, the import) and their status (issue, void).

The amount paid and the paid statuses are not set here: they follow from
payments (trellis.billing.ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple, TypedDict

from django.db import transaction
from django.db.models import Sum

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing.ledger import invoice_derive_paid, invoice_settle, invoice_standing
from trellis.billing.models import Invoice, InvoiceLine, Payment
from trellis.documents.models import money
from trellis.refusals import Refused


class InvoiceChangeRefused(Refused):
    """The invoice may not be changed this way; `message` says why, for staff."""


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


def invoice_set_lines(*, invoice: Invoice, lines: Iterable[LineData]) -> Invoice:
    """Save the invoice with these lines (replacing its old ones), its subtotal,
    tax and total from them, and its money derived again from its payments.

    Raises InvoiceChangeRefused, saving nothing, if the lines come to less than
    what has been paid on it, counting what is being paid (a pending payment).
    """
    rows = [InvoiceLine(position=position, **line) for position, line in enumerate(lines)]
    invoice.subtotal, invoice.tax, invoice.total = _totals(rows, invoice.tax_rate)
    with transaction.atomic():
        if invoice.pk is not None:
            # What is paid is read under the lock every payment takes: a payment
            # settling meanwhile would otherwise be overwritten by a stale sum.
            invoice_locked(invoice_id=invoice.pk)
        invoice_derive_paid(invoice=invoice)
        problem = invoice_total_problem(invoice=invoice, total=invoice.total)
        if problem:
            raise InvoiceChangeRefused(problem)
        new = invoice.pk is None
        invoice.save()
        if not new:
            invoice.lines.all().delete()
        for row in rows:
            row.invoice = invoice
        InvoiceLine.objects.bulk_create(rows)
    return invoice


def invoice_total_problem(*, invoice: Invoice, total: Decimal) -> str:
    """Why the invoice can't come to `total`, or "": it may not come to less
    than what is paid on it, nor than what is being paid (a pending payment the
    processor may already have taken: its settling must fit the total)."""
    if total < invoice.amount_paid:
        return (
            f"These lines come to {total}, less than the {invoice.amount_paid} "
            f"already paid on {invoice}."
        )
    pending = _pending(invoice)
    if total < invoice.amount_paid + pending:
        return (
            f"These lines come to {total}, less than the "
            f"{invoice.amount_paid + pending} paid or being processed on {invoice}."
        )
    return ""


def _pending(invoice: Invoice) -> Decimal:
    if invoice.pk is None:
        return Decimal(0)
    pending = Payment.objects.filter(invoice_id=invoice.pk, status=Payment.Status.PENDING)
    return money(pending.aggregate(total=Sum("amount"))["total"] or Decimal(0))


def invoice_locked(*, invoice_id: int) -> Invoice:
    """The invoice's row, locked until the transaction ends."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("property")
        .get(pk=invoice_id)
    )


def invoice_issue(*, invoice_id: int, actor: User | None) -> Invoice:
    """A draft becomes an issued invoice, owed (open): from now on it can be
    printed, emailed and paid. Refused unless it is a draft."""
    with transaction.atomic():
        invoice = invoice_locked(invoice_id=invoice_id)
        if invoice.status != Invoice.Status.DRAFT:
            raise InvoiceChangeRefused(f"{invoice} is already issued: it is not a draft.")
        invoice.status = Invoice.Status.OPEN
        invoice_settle(invoice=invoice)
        audit_record(action="invoice.issued", actor=actor, target=invoice, data={})
    return invoice


def invoice_void(*, invoice_id: int, actor: User | None, reason: str) -> Invoice:
    """The invoice is no longer owed. Refused while a payment stands on it (or
    is being processed): reverse or refund it first. Void is final."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvoiceChangeRefused("Say why the invoice is void.")
    with transaction.atomic():
        invoice = invoice_locked(invoice_id=invoice_id)
        if invoice.status == Invoice.Status.VOID:
            raise InvoiceChangeRefused(f"{invoice} is already void.")
        standing = invoice_standing(invoice_id=invoice.pk)
        if standing:
            raise InvoiceChangeRefused(
                f"{invoice} can't be voided while payments of {standing} stand on it: "
                "reverse or refund them first."
            )
        previous = invoice.status
        invoice.status = Invoice.Status.VOID
        invoice_settle(invoice=invoice)
        audit_record(
            action="invoice.voided",
            actor=actor,
            target=invoice,
            data={"reason": reason[:300], "was": previous},
        )
    return invoice
