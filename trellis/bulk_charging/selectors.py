"""Which open invoices staff can charge in bulk: published, owed, nothing on
its way on them, and a Billing contact of their property with a default
method (the default card first, else the default bank account)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Round

from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.customers.models import PropertyContact
from trellis.documents.models import PUBLISHED


@dataclass(frozen=True)
class Filters:
    property_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None


def _default_method(contact: OuterRef) -> QuerySet[PaymentMethod]:
    # "card" sorts after "bank_account": descending puts the default card first.
    return PaymentMethod.objects.filter(
        contact=contact,
        is_default=True,
        removed_at__isnull=True,
        verification=PaymentMethod.Verification.VERIFIED,
    ).order_by("-kind")


def chargeable_invoices(filters: Filters = Filters()) -> QuerySet[Invoice]:
    """The invoices, oldest due first, each annotated with `payer_id` (the
    Billing contact) and `method_id` (their default method) and `due` (its
    balance)."""
    billing = (
        PropertyContact.objects.filter(
            property=OuterRef("property"), role=PropertyContact.Role.BILLING
        )
        .filter(Exists(_default_method(OuterRef("contact"))))
        .order_by("pk")
    )
    pending = Payment.objects.filter(invoice=OuterRef("pk"), status=Payment.Status.PENDING)
    invoices = (
        Invoice.objects.filter(PUBLISHED, status__in=Invoice.DUE_STATUSES)
        .exclude(Exists(pending))
        .annotate(payer_id=Subquery(billing.values("contact_id")[:1]))
        .filter(payer_id__isnull=False)
        .annotate(
            method_id=Subquery(_default_method(OuterRef("payer_id")).values("pk")[:1]),
            due=Round(F("total") - F("amount_paid"), 2),
        )
        .select_related("property")
        .order_by("due_on", "pk")
    )
    if filters.property_id is not None:
        invoices = invoices.filter(property_id=filters.property_id)
    if filters.due_from is not None:
        invoices = invoices.filter(due_on__gte=filters.due_from)
    if filters.due_to is not None:
        invoices = invoices.filter(due_on__lte=filters.due_to)
    if filters.amount_from is not None:
        invoices = invoices.filter(due__gte=filters.amount_from)
    if filters.amount_to is not None:
        invoices = invoices.filter(due__lte=filters.amount_to)
    return invoices
