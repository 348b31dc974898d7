"""Proposals in the portal: pending, approved and declined; the detail and its
PDF; approving (signed, with the optional items wanted) and declining.

Every proposal is loaded through `visible_proposals`, so someone else's
answers 404 whatever the URL; recording the decision is the business of
`trellis.proposals.services`.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from trellis.portal.decorators import Viewer, customer_required, section_or_404, viewer_of
from trellis.portal.pdf import pdf_response
from trellis.portal.templatetags.portal import money
from trellis.proposals import services
from trellis.proposals.models import Proposal, ProposalItem
from trellis.request_context import client_ip
from trellis.slices import DeferredJoinPaginator
from trellis.visibility import visible_proposals

PER_PAGE = 20
PNG_DATA_URL = "data:image/png;base64,"

# The portal's three lists, as ?status=; a withdrawn proposal is in none of them.
TABS = {
    "pending": (Proposal.Status.SENT, gettext_lazy("Pending"), ("-created_at", "-id")),
    "approved": (Proposal.Status.APPROVED, gettext_lazy("Approved"), ("-decided_at", "-id")),
    "declined": (Proposal.Status.DECLINED, gettext_lazy("Declined"), ("-decided_at", "-id")),
}


# --- forms -------------------------------------------------------------------


class SignatureField(forms.CharField):
    """The pad's drawing, posted as a PNG data URL in a hidden field; cleans to bytes.

    Whether the bytes are a real PNG is for the service to say.
    """

    widget = forms.HiddenInput

    def to_python(self, value: Any) -> bytes | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if not text.startswith(PNG_DATA_URL):
            raise ValidationError(services.SIGNATURE_UNREADABLE)
        try:
            return base64.b64decode(text.removeprefix(PNG_DATA_URL), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationError(services.SIGNATURE_UNREADABLE) from error


class ApproveForm(forms.Form):
    chosen = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Optional items"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    signer_name = forms.CharField(
        label=gettext_lazy("Your full name"),
        max_length=200,
        help_text=gettext_lazy("Typing your full name signs the proposal."),
        error_messages={"required": gettext_lazy("Type your full name to sign.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Base64 makes the PNG a third larger; the service holds the real size limit.
    signature = SignatureField(required=False, max_length=300_000)
    accept = forms.BooleanField(
        label=gettext_lazy("I accept this proposal"),
        error_messages={"required": gettext_lazy("Tick “I accept this proposal” to approve it.")},
    )
    # The total the customer was shown (the page's script keeps it in step with
    # the items ticked): if it is not the total of the items sent, nothing is
    # approved and the page shows the right total to approve again.
    expected_total = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, optional_items: list[ProposalItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional_ids = {item.pk for item in optional_items}
        self.fields["chosen"].choices = [(i.pk, i.description) for i in optional_items]  # type: ignore[attr-defined]

    def chosen_ids(self) -> set[int]:
        """The optional items ticked (as posted, once posted), to show them again."""
        ticked = {int(v) for v in self["chosen"].value() or [] if str(v).isdigit()}
        return ticked & self.optional_ids


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why are you declining this proposal?"),
        max_length=2000,
        error_messages={"required": gettext_lazy("Tell us why you are declining this proposal.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# --- pages -------------------------------------------------------------------


def _visible(viewer: Viewer) -> QuerySet[Proposal]:
    return visible_proposals(contact=viewer.contact, company=viewer.company)


def _proposal_or_404(viewer: Viewer, pk: int) -> Proposal:
    return get_object_or_404(
        _visible(viewer).select_related("property", "decided_by").prefetch_related("items"),
        pk=pk,
    )


@customer_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    proposals = _visible(section_or_404(request, Proposal))
    tab = request.GET.get("status", "pending")
    if tab not in TABS:
        tab = "pending"
    status, _label, ordering = TABS[tab]
    counts = proposals.aggregate(
        **{key: Count("pk", filter=Q(status=s)) for key, (s, _l, _o) in TABS.items()}
    )
    tabs = {key: f"{label} ({counts[key]})" for key, (_s, label, _o) in TABS.items()}
    page = DeferredJoinPaginator(
        proposals.filter(status=status)
        .select_related("property")
        .prefetch_related("items")  # for each one's total: one query for the page
        .order_by(*ordering),
        PER_PAGE,
        count=counts[tab],
    ).get_page(request.GET.get("page"))
    return render(request, "portal/proposal_list.html", {"page": page, "tab": tab, "tabs": tabs})


def _detail_page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    approve_form: ApproveForm | None = None,
    decline_form: DeclineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = list(proposal.items.all())
    context: dict[str, Any] = {"proposal": proposal, "items": items}
    if proposal.status == Proposal.Status.SENT:
        optional_items = [item for item in items if item.optional]
        approve_form = approve_form or ApproveForm(
            optional_items=optional_items,
            initial={"chosen": {item.pk for item in optional_items if item.chosen}},
        )
        chosen_ids = approve_form.chosen_ids()
        context |= {
            "approve_form": approve_form,
            "decline_form": decline_form or DeclineForm(),
            "optional_items": optional_items,
            "chosen_ids": chosen_ids,
            "required_total": services.proposal_total_for(proposal=proposal, chosen_item_ids=()),
            # Computed here for what the page shows ticked: it is the total
            # the customer approves, with or without the page's script.
            "total": services.proposal_total_for(proposal=proposal, chosen_item_ids=chosen_ids),
            "number_format": {
                "decimal": get_format("DECIMAL_SEPARATOR"),
                "thousands": get_format("THOUSAND_SEPARATOR"),
                "zero": money(Decimal(0), viewer_of(request).company.currency),
            },
        }
    elif proposal.signature_png:
        png = base64.b64encode(bytes(proposal.signature_png)).decode("ascii")
        context["signature_url"] = PNG_DATA_URL + png
    return render(request, "portal/proposal_detail.html", context, status=status)


@customer_required
@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _proposal_or_404(section_or_404(request, Proposal), pk))


@customer_required
@require_GET
def proposal_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    # pdf_response imports the renderer (WeasyPrint) when a PDF is asked for.
    viewer = section_or_404(request, Proposal)
    return pdf_response(_proposal_or_404(viewer, pk), viewer.company)


@customer_required(changes=True)
@require_POST
def proposal_approve(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = section_or_404(request, Proposal)
    proposal = _proposal_or_404(viewer, pk)
    optional_items = [item for item in proposal.items.all() if item.optional]
    form = ApproveForm(request.POST, optional_items=optional_items)
    if form.is_valid():
        try:
            approved = services.proposal_approve(
                proposal_id=proposal.pk,
                contact=viewer.contact,
                signer_name=form.cleaned_data["signer_name"],
                signature_png=form.cleaned_data["signature"],
                chosen_item_ids=set(form.cleaned_data["chosen"]),
                ip=client_ip(request),
                expected_total=form.cleaned_data["expected_total"],
            )
        except Proposal.DoesNotExist as gone:  # the role was removed a moment ago
            raise Http404 from gone
        except services.ProposalNotDecidable as refusal:
            # Decided a moment ago (another tab, another person): show that decision.
            messages.error(request, refusal.message)
            return redirect("portal:proposal", pk=pk)
        except services.ProposalTotalChanged as changed:
            form.add_error(
                None,
                _("With the items you chose, the total is %(total)s. Check it, then approve again.")
                % {"total": money(changed.total, viewer.company.currency)},
            )
        except services.ProposalDecisionRefused as refusal:
            form.add_error(refusal.field, refusal.message)
        else:
            messages.success(
                request,
                _("Thank you: you approved proposal %(number)s, for a total of %(total)s.")
                % {
                    "number": approved.number,
                    "total": money(approved.total, viewer.company.currency),
                },
            )
            return redirect("portal:proposal", pk=pk)
    return _detail_page(request, proposal, approve_form=form, status=400)


@customer_required(changes=True)
@require_POST
def proposal_decline(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = section_or_404(request, Proposal)
    proposal = _proposal_or_404(viewer, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_decline(
                proposal_id=proposal.pk,
                contact=viewer.contact,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except Proposal.DoesNotExist as gone:  # the role was removed a moment ago
            raise Http404 from gone
        except services.ProposalNotDecidable as refusal:
            messages.error(request, refusal.message)
            return redirect("portal:proposal", pk=pk)
        except services.ProposalDecisionRefused as refusal:
            form.add_error(refusal.field, refusal.message)
        else:
            messages.success(
                request,
                _("You declined proposal %(number)s. We have let %(company)s know.")
                % {"number": proposal.number, "company": viewer.company.name},
            )
            return redirect("portal:proposal", pk=pk)
    return _detail_page(request, proposal, decline_form=form, status=400)
