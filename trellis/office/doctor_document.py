"""Troubleshoot portal access for one chosen document, as the page shows it:
trellis.doctor.document's answer (can this contact see this proposal, invoice
or request?), and beside each rule that stops them the fix staff may use.

Nothing here decides visibility: this module only maps each failing rule to
its button, and offers a button only to staff who may press it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.doctor.document import Document, DocumentCheck, document_check
from trellis.issues.models import Comment, Issue
from trellis.office.doctor_checks import Fix
from trellis.office.pages import PAGES, page_of
from trellis.office.views.documents import change_permission, publishing_panel
from trellis.office.why_visible import troubleshoot_url
from trellis.proposals.models import Proposal
from trellis.visibility import (
    Failure,
    IncludeClient,
    PropertyRole,
    Published,
    SectionOn,
    StatusShown,
)


@dataclass(frozen=True)
class Reason:
    """A rule that keeps the contact from the document, and what staff can do."""

    failure: Failure
    fixes: list[Fix] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why a fix is not offered


@dataclass(frozen=True)
class DocumentPanel:
    check: DocumentCheck  # the domain's answer
    reasons: list[Reason]  # one for each of its failures, in order
    document_url: str
    next_url: str  # back here, with the document still chosen, after a fix

    @property
    def document(self) -> Document:
        return self.check.document

    @property
    def passed(self) -> bool:
        return self.check.visibility.visible

    @property
    def title(self) -> str:
        return self.check.question

    @property
    def hidden_comments(self) -> list[Comment]:
        return self.check.hidden_comments

    @property
    def is_request(self) -> bool:
        return isinstance(self.check.document, Issue)


def _publish_reason(
    failure: Failure, document: Proposal | Invoice, request: HttpRequest, *, status_fails: bool
) -> Reason:
    panel = publishing_panel(
        document=document,
        can_change=request.user.has_perm(change_permission(document)),
        print_url=_button_url(document, "print"),
        email_url=_button_url(document, "email"),
    )
    if not panel.can_change:
        kinds = document._meta.verbose_name_plural
        return Reason(failure, notes=[f"Staff who may change {kinds} can print or email it."])
    if panel.refusal:
        return Reason(failure, notes=[f"Cannot be printed or emailed: {panel.refusal}"])
    if status_fails:
        # Printing or emailing does not change what keeps it from the portal, or
        # (a draft proposal) sends it to the customer as a side effect: neither
        # is a button for a troubleshooting page.
        if isinstance(document, Proposal) and document.status == Proposal.Status.DRAFT:
            note = (
                "Not offered here: printing or emailing a draft proposal also sends it to "
                "the customer (its status becomes Sent). Do it from the proposal's page "
                "once it is ready."
            )
        else:
            note = "Not offered here: printing or emailing would not show it in this status."
        return Reason(failure, notes=[note])
    fixes = [Fix("Print", panel.print_url, "post")]
    notes = ["Print downloads the PDF; reload this page afterwards to check again."]
    if panel.recipient is not None:
        recipient = panel.recipient
        fixes.append(
            Fix(f"Email to {recipient.full_name} ({recipient.email})", panel.email_url, "post")
        )
    else:
        notes.append(f"Cannot be emailed: {panel.email_refusal}")
    return Reason(failure, fixes, notes)


def _include_client_reason(failure: Failure, issue: Issue, request: HttpRequest) -> Reason:
    if not request.user.has_perm("issues.change_issue"):
        return Reason(failure, notes=["Staff who may change requests can switch it on."])
    url = _button_url(issue, "include-client")
    return Reason(failure, [Fix("Switch on Include Client", url, "post")])


def _status_reason(failure: Failure, document: Document) -> Reason:
    """The document's status keeps it from the portal: its words, and the way to
    the document's page, where staff issue a draft invoice, send a draft
    proposal or reopen a withdrawn one once it is ready (not from here: that
    puts it in front of the customer). A void invoice stays void."""
    if isinstance(document, Invoice) and document.status == Invoice.Status.VOID:
        return Reason(failure)
    actions: dict[tuple[type, str], str] = {
        (Invoice, Invoice.Status.DRAFT): "issue it",
        (Proposal, Proposal.Status.DRAFT): "send it",
        (Proposal, Proposal.Status.WITHDRAWN): "reopen it",
    }
    action = actions.get((type(document), document.status), "change its status")
    return Reason(failure, [Fix(f"Open {document} to {action}", page_of(document))])


def _property_role_reason(failure: Failure, document: Document, request: HttpRequest) -> Reason:
    prop = document.property
    if request.user.has_perm("customers.change_property"):
        url = reverse("office:property-edit", kwargs={"property_id": prop.pk})
        return Reason(failure, [Fix(f"Edit the contacts of {prop}", url)])
    return Reason(
        failure,
        [Fix(f"Open {prop}", page_of(prop))],
        notes=["Staff who may change properties can edit its contacts."],
    )


def _reason(
    failure: Failure,
    document: Document,
    request: HttpRequest,
    *,
    status_fails: bool,
) -> Reason:
    if failure.rule == PropertyRole.code:
        return _property_role_reason(failure, document, request)
    if failure.rule == SectionOn.code:
        url = reverse("office:settings")
        return Reason(failure, [Fix("Open the company settings (Portal sections)", url)])
    if failure.rule == Published.code and not isinstance(document, Issue):
        return _publish_reason(failure, document, request, status_fails=status_fails)
    if failure.rule == StatusShown.code:
        return _status_reason(failure, document)
    if failure.rule == IncludeClient.code and isinstance(document, Issue):
        return _include_client_reason(failure, document, request)
    return Reason(failure)


def _button_url(document: Document, action: str) -> str:
    """Where one of the document's buttons on its office page posts
    (office:invoice-print, office:request-include-client, …)."""
    kind = PAGES[document._meta.label_lower]
    return reverse(f"office:{kind}-{action}", kwargs={f"{kind}_id": document.pk})


def document_panel(
    *,
    contact: Contact,
    document: Document,
    company: Company,
    request: HttpRequest,
) -> DocumentPanel:
    """trellis.doctor's answer for this document, each failing rule with its
    fix. Buttons only for staff who may use them; their views check again."""
    check = document_check(contact=contact, document=document, company=company)
    status_fails = StatusShown.code in check.visibility.rules
    return DocumentPanel(
        check=check,
        reasons=[_reason(f, document, request, status_fails=status_fails) for f in check.failures],
        document_url=page_of(document),
        next_url=troubleshoot_url(contact, document),
    )
