from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from trellis.documents.admin import LinesFormSet, PublishedDocumentAdmin, PublishedFilter
from trellis.proposals.models import Proposal, ProposalItem
from trellis.proposals.services import proposal_set_items


class ProposalItemFormSet(LinesFormSet):
    def save_lines(self, rows: list[dict[str, Any]]) -> None:
        proposal_set_items(proposal=self.instance, items=rows)  # type: ignore[arg-type]


class ProposalItemInline(admin.TabularInline):
    model = ProposalItem
    formset = ProposalItemFormSet
    fields = ["description", "quantity", "unit_price", "optional", "chosen"]
    extra = 1

    # Once the customer has decided, the items are what they signed for.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.decided_at is None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.decided_at is None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.decided_at is None


@admin.register(Proposal)
class ProposalAdmin(PublishedDocumentAdmin):
    inlines = [ProposalItemInline]
    list_display = [
        "number",
        "title",
        "property",
        "status",
        "valid_until",
        "printed_at",
        "emailed_at",
        "published",
        "total",
    ]
    list_filter = ["status", PublishedFilter, "valid_until", "created_at"]
    search_fields = [*PublishedDocumentAdmin.search_fields, "title"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fieldsets = [
        (None, {"fields": ["number", "title", "property", "status", "valid_until", "notes"]}),
        ("Publishing", {"fields": [*PublishedDocumentAdmin.readonly_fields]}),
        (
            "Customer's decision",
            {
                "fields": [
                    "decided_at",
                    "decided_by",
                    "decided_from_ip",
                    "signer_name",
                    "decline_reason",
                ]
            },
        ),
        ("Import", {"fields": ["external_id"], "classes": ["collapse"]}),
    ]
    DECISION_FIELDS = [
        "decided_at",
        "decided_by",
        "decided_from_ip",
        "signer_name",
        "decline_reason",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = [*super().get_readonly_fields(request, obj), *self.DECISION_FIELDS]
        if obj is not None and obj.decided_at is not None:
            # A decided proposal is a record of what the customer agreed to.
            readonly += ["number", "title", "property", "status", "valid_until", "notes"]
        return readonly

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        # The total is worked out from the items: one query for a page of them.
        return super().get_queryset(request).prefetch_related("items")

    @admin.display(description="total")
    def total(self, proposal: Proposal) -> Decimal:
        return proposal.total
