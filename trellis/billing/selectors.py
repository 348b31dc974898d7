from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.slices import first_rows

# The portal keeps recently paid invoices apart from the whole paid history.
RECENTLY_PAID = timedelta(days=183)

BALANCE = ExpressionWrapper(F("total") - F("amount_paid"), output_field=DecimalField())


def invoices_due(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.filter(status__in=Invoice.DUE_STATUSES).order_by("due_on", "id")


def invoices_paid(invoices: QuerySet[Invoice], *, recent: bool) -> QuerySet[Invoice]:
    paid = invoices.filter(status=Invoice.Status.PAID)
    if recent:
        paid = paid.filter(paid_at__gte=timezone.now() - RECENTLY_PAID)
    return paid.order_by("-paid_at", "-id")


def invoices_due_first(
    invoices: QuerySet[Invoice], *, first: int
) -> tuple[list[Invoice], int, Decimal]:
    """The `first` of these invoices due soonest, how many are due, and what is
    left to pay on the due ones, in one query (trellis.slices)."""
    shown, totals = first_rows(
        invoices_due(invoices), first=first, count=Count("pk"), balance=Sum(BALANCE)
    )
    balance = Decimal(totals["balance"] or 0).quantize(Decimal("0.01"))
    return shown, totals["count"], balance
