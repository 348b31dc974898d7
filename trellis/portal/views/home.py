"""The dashboard: what is due, pending and open, across the customer's properties."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trellis.billing.selectors import invoices_due_first
from trellis.issues.models import Issue
from trellis.portal.decorators import customer_required, viewer_of
from trellis.proposals.models import Proposal, ProposalItem
from trellis.slices import first_rows
from trellis.visibility import (
    ContactProperties,
    visible_invoices,
    visible_issues,
    visible_properties,
    visible_proposals,
)

SHOWN = 5


def _on_property(queryset: QuerySet[Any], property_id: int | None) -> QuerySet[Any]:
    return queryset if property_id is None else queryset.filter(property_id=property_id)


def _first_and_count(queryset: QuerySet[Any]) -> tuple[list[Any], int]:
    """The first SHOWN rows and how many there are, in one query."""
    shown, totals = first_rows(queryset, first=SHOWN, count=Count("pk"))
    return shown, totals["count"]


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    contact, company = viewer.contact, viewer.company
    properties = list(visible_properties(contact=contact).order_by("name"))
    theirs = ContactProperties.of(contact, properties)
    chosen = next((p for p in properties if str(p.pk) == request.GET.get("property")), None)
    property_id = chosen.pk if chosen else None
    context: dict[str, object] = {
        "contact": contact,
        "properties": properties,
        "chosen_property": chosen,
    }
    if company.invoices_enabled:
        invoices = _on_property(
            visible_invoices(contact=contact, company=company, properties=theirs), property_id
        )
        (
            context["invoices_due"],
            context["invoices_due_count"],
            context["balance"],
        ) = invoices_due_first(invoices.select_related("property"), first=SHOWN)
    if company.proposals_enabled:
        pending = _on_property(
            visible_proposals(contact=contact, company=company, properties=theirs), property_id
        ).filter(status=Proposal.Status.SENT)
        context["proposals_pending"], context["proposals_pending_count"] = _first_and_count(
            pending.select_related("property")
            .prefetch_related(Prefetch("items", queryset=ProposalItem.objects.order_by("position")))
            .order_by("-created_at", "-id")
        )
    if company.requests_enabled:
        open_requests = _on_property(
            visible_issues(contact=contact, company=company, properties=theirs), property_id
        ).filter(status__in=Issue.OPEN_STATUSES)
        context["requests_pending"], context["requests_pending_count"] = _first_and_count(
            open_requests.select_related("property").order_by("-created_at", "-id")
        )
    return render(request, "portal/home.html", context)
