from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

from trellis.office.admin.documents import LinesFormSet, PublishedDocumentAdmin, PublishedFilter
from trellis.office.status_actions import StatusButton, StatusForm
from trellis.office.status_forms import DecisionRecordForm
from trellis.office.views.proposals import (
    REOPENED,
    SENT,
    WITHDRAWN,
    decision_record,
    decision_summary,
    proposal_status_buttons,
    proposal_status_note,
)
from trellis.proposals.models import Proposal, ProposalItem
from trellis.proposals.services import proposal_set_items
from trellis.proposals.status import (
    proposal_reopen,
    proposal_send,
    proposal_withdraw,
)

Status = Proposal.Status


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
        return obj is None or not obj.is_decided

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_decided

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_decided


ID = "proposal_id"  # the services' name for the proposal they change


@admin.register(Proposal)
class ProposalAdmin(PublishedDocumentAdmin):
    inlines = [ProposalItemInline]
    list_display = [
        "number",
        "title",
        "property",
        "status",
        "decided_via",
        "valid_until",
        "printed_at",
        "emailed_at",
        "published",
        "total",
    ]
    list_filter = ["status", "decided_via", PublishedFilter, "valid_until", "created_at"]
    search_fields = [*PublishedDocumentAdmin.search_fields, "title"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fieldsets = [
        (None, {"fields": ["number", "title", "property", "status", "valid_until", "notes"]}),
        ("Publishing", {"fields": [*PublishedDocumentAdmin.readonly_fields]}),
        (
            "Customer's decision",
            {"fields": ["decision", "signer_name", "decline_reason", "decided_from_ip"]},
        ),
        ("Import", {"fields": ["external_id"], "classes": ["collapse"]}),
    ]
    DECISION_FIELDS = [
        "decision",
        "decided_via",
        "decided_at",
        "decided_by",
        "decision_recorded_by",
        "decided_from_ip",
        "signer_name",
        "decline_reason",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The status changes only with the buttons above the form.
        readonly = [*super().get_readonly_fields(request, obj), "status", *self.DECISION_FIELDS]
        if obj is not None and obj.is_decided:
            # A decided proposal is a record of what the customer agreed to.
            readonly += ["number", "title", "property", "valid_until", "notes"]
        return readonly

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        # The total is worked out from the items: one query for a page of them.
        return super().get_queryset(request).prefetch_related("items")

    @admin.display(description="total")
    def total(self, proposal: Proposal) -> Decimal:
        return proposal.total

    @admin.display(description="decision")
    def decision(self, proposal: Proposal) -> str:
        return decision_summary(proposal)

    # --- status buttons ------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [
            self.service_path(
                "send",
                proposal_send,
                SENT,
                id_name=ID,
            ),
            self.service_path(
                "withdraw",
                proposal_withdraw,
                WITHDRAWN,
                id_name=ID,
                reason=True,
            ),
            self.service_path(
                "reopen",
                proposal_reopen,
                REOPENED,
                id_name=ID,
                reason=True,
            ),
            self.status_path("record-decision/", self.record_decision_view, "record_decision"),
            *super().get_urls(),
        ]

    def status_note(self, proposal: Proposal) -> str:
        return proposal_status_note(proposal)

    def status_buttons(
        self, request: HttpRequest, proposal: Proposal, posted: StatusForm | None
    ) -> list[StatusButton]:
        return proposal_status_buttons(proposal, posted=posted, url=self.action_urls(proposal))

    def record_decision_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        proposal = self.object_to_change(request, object_id)
        form = DecisionRecordForm(request.POST, proposal=proposal)
        if decision_record(request, proposal, form):
            return self.change_page(request, proposal)
        # What was typed stays, with the mistake or the refusal to put right.
        return self.change_page_again(request, proposal, form)
