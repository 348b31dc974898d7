"""Which invoices an autopay enrollment pays."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from trellis.autopay.models import Enrollment
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.visibility import visible_invoices


def covered_invoices(*, enrollment: Enrollment, company: Company) -> QuerySet[Invoice]:
    """The open invoices `enrollment` pays: of its property (or of every
    property the contact sees but those with an autopay of their own), issued
    after the customer turned it on."""
    invoices = visible_invoices(contact=enrollment.contact, company=company).filter(
        status__in=Invoice.DUE_STATUSES
    )
    if enrollment.property_id is not None:
        invoices = invoices.filter(property_id=enrollment.property_id)
    else:
        own = Enrollment.objects.filter(
            contact_id=enrollment.contact_id, ended_at__isnull=True, property__isnull=False
        ).values("property_id")
        invoices = invoices.exclude(property_id__in=own)
    since = enrollment.authorised_at
    return invoices.exclude(Q(printed_at__lt=since) | Q(emailed_at__lt=since))
