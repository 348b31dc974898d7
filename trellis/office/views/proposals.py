"""The office's proposals: the list, a proposal's page (its items, status,
publishing, who sees it, the customer's decision), and its buttons: Send,
Withdraw, Reopen, Record the customer's decision, Print, Email.

Seeing them takes proposals.view_proposal; every button proposals.change_proposal.
The status services (trellis.proposals.status) check the state and say why not."""

from __future__ import annotations

import base64
from functools import partial

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.timezone import localtime

from trellis.office.guard import staff_button, staff_of, staff_page
from trellis.office.status_actions import StatusButton, StatusForm, status_change
from trellis.office.status_forms import DecisionRecordForm
from trellis.office.views.documents import ActionUrl, DocumentPages, document_list
from trellis.proposals.models import Proposal
from trellis.proposals.status import (
    proposal_record_decision,
    proposal_reopen,
    proposal_send,
    proposal_withdraw,
)

VIEW = "proposals.view_proposal"
CHANGE = "proposals.change_proposal"
Status = Proposal.Status

# What each button says once done; {} is the proposal.
SENT = "{} is sent: it waits for the customer's decision."
WITHDRAWN = "{} is withdrawn: the portal no longer shows it."
REOPENED = "{} is reopened: it is sent again, for the customer's decision."


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


def proposal_status_note(proposal: Proposal) -> str:
    if proposal.status == Status.APPROVED:
        return "An approval is final: write a new proposal for any change."
    return ""


def proposal_status_buttons(
    proposal: Proposal, *, posted: StatusForm | None, url: ActionUrl
) -> list[StatusButton]:
    """The status buttons the proposal's state allows; `posted` is the
    decision form posted with a mistake."""
    buttons = []
    if proposal.status == Status.DRAFT:
        buttons.append(
            StatusButton(
                "send",
                "Send",
                url("send"),
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
                url("record_decision"),
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
                url("withdraw"),
                help="Takes the proposal back: the portal stops showing it.",
                reason="Why it is withdrawn",
            )
        )
    if proposal.status in (Status.DECLINED, Status.WITHDRAWN):
        buttons.append(
            StatusButton(
                "reopen",
                "Reopen",
                url("reopen"),
                help="Puts it before the customer again (Sent); the decline it had is "
                "kept in the audit log.",
                reason="Why it is reopened",
            )
        )
    return buttons


def decision_recorded(proposal: Proposal) -> str:
    return f"{proposal}: {decision_summary(proposal)}."


PAGES = DocumentPages(name="proposal", buttons=proposal_status_buttons, note=proposal_status_note)


def _proposals() -> QuerySet[Proposal]:
    # The total is worked out from the items: one query for a page of them.
    return Proposal.objects.prefetch_related("items")


def _proposal(proposal_id: int) -> Proposal:
    return get_object_or_404(
        _proposals().select_related("property", "decided_by", "decision_recorded_by"),
        pk=proposal_id,
    )


@staff_page(VIEW, methods=("GET",))
def proposal_list(request: HttpRequest) -> HttpResponse:
    return document_list(
        request,
        _proposals().order_by("-created_at", "-id"),
        pages=PAGES,
        template="office/proposals/list.html",
        number_example="PR-5001",
    )


def _page(
    request: HttpRequest, proposal: Proposal, posted: StatusForm | None = None
) -> HttpResponse:
    items = list(proposal.items.all())
    signature = bytes(proposal.signature_png) if proposal.signature_png else b""
    context = {
        "title": f"{proposal}: {proposal.title}",
        "proposal": proposal,
        "items": items,
        "chosen_items": [item for item in items if item.optional and item.chosen],
        "decision": decision_summary(proposal),
        "signature_url": "data:image/png;base64," + base64.b64encode(signature).decode()
        if signature
        else "",
    }
    return PAGES.page(request, proposal, "office/proposals/detail.html", context, posted=posted)


@staff_page(VIEW, methods=("GET",))
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _page(request, _proposal(proposal_id))


@staff_button(CHANGE)
def proposal_send_button(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return PAGES.service_button(request, _proposal(proposal_id), proposal_send, SENT)


@staff_button(CHANGE)
def proposal_withdraw_button(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    return PAGES.service_button(request, proposal, proposal_withdraw, WITHDRAWN, reason=True)


@staff_button(CHANGE)
def proposal_reopen_button(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    return PAGES.service_button(request, proposal, proposal_reopen, REOPENED, reason=True)


def decision_record(
    request: HttpRequest, proposal: Proposal, form: DecisionRecordForm
) -> Proposal | None:
    """Record the decision typed in `form`, as the staff member, and say so;
    None, having changed nothing, while the form has a mistake or the service
    refuses."""
    if not form.is_valid():
        return None
    return status_change(
        request,
        partial(
            proposal_record_decision,
            proposal_id=proposal.pk,
            recorded_by=staff_of(request),
            **form.decision_data(),
        ),
        decision_recorded,
    )


@staff_button(CHANGE)
def proposal_record_decision_button(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(proposal_id)
    form = DecisionRecordForm(request.POST, proposal=proposal)
    if decision_record(request, proposal, form):
        return PAGES.back(request, proposal)
    # What was typed stays, with the mistake or the refusal to put right.
    return _page(request, proposal, posted=form)


@staff_button(CHANGE)
def proposal_print_button(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return PAGES.print_button(request, _proposal(proposal_id))


@staff_button(CHANGE)
def proposal_email_button(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return PAGES.email_button(request, _proposal(proposal_id))
