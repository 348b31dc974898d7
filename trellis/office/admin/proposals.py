from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.formats import date_format
from django.utils.timezone import localtime

from trellis.office.admin.documents import LinesFormSet, PublishedDocumentAdmin, PublishedFilter
from trellis.office.status_actions import StatusButton, StatusForm, staff_of, status_change
from trellis.office.status_forms import DecisionRecordForm
from trellis.proposals.models import Proposal, ProposalItem
from trellis.proposals.services import proposal_set_items
from trellis.proposals.status import (
    proposal_record_decision,
    proposal_reopen,
    proposal_send,
    proposal_withdraw,
)

Status = Proposal.Status


def decision_summary(proposal: Proposal) -> str:
    """How the customer decided, in one line: "Approved by phone by Maria
    Lopez on November 12, 2026, 2:05 PM, recorded by Jane Smith"."""
    if not proposal.is_decided:
        return "Not decided."
    words = [proposal.get_status_display()]
    if proposal.decided_via:
        words.append(proposal.get_decided_via_display())
    if proposal.decided_by is not None:
        words.append(f"by {proposal.decided_by.full_name}")
    if proposal.decided_at is not None:
        words.append(f"on {date_format(localtime(proposal.decided_at), 'DATETIME_FORMAT')}")
    summary = " ".join(words)
    if proposal.status == Status.APPROVED and proposal.signer_name:
        summary += f", signed as “{proposal.signer_name}”"
    recorder = proposal.decision_recorded_by
    if recorder is not None:
        summary += f", recorded by {recorder.get_full_name() or recorder.email}"
    return summary


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
                "{} is sent: it waits for the customer's decision.",
                id_name=ID,
            ),
            self.service_path(
                "withdraw",
                proposal_withdraw,
                "{} is withdrawn: the portal no longer shows it.",
                id_name=ID,
                reason=True,
            ),
            self.service_path(
                "reopen",
                proposal_reopen,
                "{} is reopened: it is sent again, for the customer's decision.",
                id_name=ID,
                reason=True,
            ),
            self.status_path("record-decision/", self.record_decision_view, "record_decision"),
            *super().get_urls(),
        ]

    def status_note(self, proposal: Proposal) -> str:
        if proposal.status == Status.APPROVED:
            return "An approval is final: write a new proposal for any change."
        return ""

    def status_buttons(
        self, request: HttpRequest, proposal: Proposal, posted: StatusForm | None
    ) -> list[StatusButton]:
        buttons = []
        if proposal.status == Status.DRAFT:
            buttons.append(
                StatusButton(
                    "send",
                    "Send",
                    self.action_url("send", proposal.pk),
                    help="Ready for the customer's decision. The portal shows it once it is "
                    "printed or emailed, which sends it too.",
                )
            )
        if proposal.status == Status.SENT:
            form = posted if isinstance(posted, DecisionRecordForm) else None
            buttons.append(
                StatusButton(
                    "record_decision",
                    "Record the customer's decision",
                    self.action_url("record_decision", proposal.pk),
                    help="An approval or decline the customer gave on paper, by phone or by "
                    "email. It is shown as such, with your name, wherever the decision is.",
                    form=form or DecisionRecordForm(proposal=proposal),
                )
            )
        if proposal.status in (Status.DRAFT, Status.SENT):
            buttons.append(
                StatusButton(
                    "withdraw",
                    "Withdraw",
                    self.action_url("withdraw", proposal.pk),
                    help="Takes the proposal back: the portal stops showing it.",
                    reason="Why it is withdrawn",
                )
            )
        if proposal.status in (Status.DECLINED, Status.WITHDRAWN):
            buttons.append(
                StatusButton(
                    "reopen",
                    "Reopen",
                    self.action_url("reopen", proposal.pk),
                    help="Puts it before the customer again (Sent); the decline it had is "
                    "kept in the audit log.",
                    reason="Why it is reopened",
                )
            )
        return buttons

    def record_decision_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        proposal = self.object_to_change(request, object_id)
        form = DecisionRecordForm(request.POST, proposal=proposal)
        if form.is_valid():
            decided = status_change(
                request,
                partial(
                    proposal_record_decision,
                    proposal_id=proposal.pk,
                    recorded_by=staff_of(request),
                    **form.decision_data(),
                ),
                lambda decided: f"{decided}: {decision_summary(decided)}.",
            )
            if decided is not None:
                return self.change_page(request, proposal)
        # What was typed stays, with the mistake or the refusal to put right.
        return self.change_page_again(request, proposal, form)
