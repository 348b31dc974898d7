"""Proposals with their items, as stored."""

from __future__ import annotations

from django.contrib import admin

from trellis.office.admin.raw_data import RawDataAdmin, RawDataInline
from trellis.proposals.models import Proposal, ProposalItem


class ProposalItemInline(RawDataInline):
    model = ProposalItem
    fields = ["description", "quantity", "unit_price", "optional", "chosen"]


@admin.register(Proposal)
class ProposalAdmin(RawDataAdmin):
    list_display = ["number", "title", "property", "status", "decided_at", "printed_at"]
    list_display += ["emailed_at"]
    list_filter = ["status", "decided_via"]
    list_select_related = ["property"]
    search_fields = ["number", "=external_id", "title", "property__name"]
    ordering = ["-created_at", "-id"]
    # The drawn signature is bytes: its picture is on the office's proposal page.
    exclude = ["signature_png"]
    inlines = [ProposalItemInline]
