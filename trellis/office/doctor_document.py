"""Troubleshoot portal access for one chosen document: can this contact see
this proposal, invoice or request in the portal? If not, each reason, with
its fix where there is one.

The verdict and its reasons are trellis.visibility's (explain_proposal,
explain_invoice, explain_issue, through why_visible.explain_document), the
rules the portal itself enforces: nothing here decides visibility. This
module only finds the documents to choose from and the fix for each rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.admin import AdminSite
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact, PropertyContact
from trellis.documents.admin import PublishedDocumentAdmin
from trellis.issues.models import Comment, Issue
from trellis.office.doctor_checks import Fix
from trellis.office.why_visible import (
    DOCUMENT_KINDS,
    Document,
    document_param,
    explain_document,
    troubleshoot_url,
)
from trellis.proposals.models import Proposal
from trellis.visibility import (
    Failure,
    IncludeClient,
    PropertyRole,
    PublicComment,
    Published,
    SectionOn,
    StatusShown,
    Verdict,
)

# How many documents of each kind the chooser offers, newest first (a
# property can have hundreds: staff search by number or subject for older
# ones), and how many of a request's internal notes are listed.
SHOWN = 25

KIND_LABELS = {"proposal": "Proposals", "invoice": "Invoices", "request": "Requests"}
SEARCHED = {
    "proposal": ("number", "title"),
    "invoice": ("number",),
    "request": ("subject",),
}


class DocumentNotFound(Exception):
    """The `document` parameter names no document, in words for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the chooser -------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str  # the `document` parameter: "invoice:12"
    label: str


@dataclass(frozen=True)
class ChoiceGroup:
    label: str  # "Invoices"
    choices: list[Choice]
    more: bool  # there are more than SHOWN: search to find the others


@dataclass(frozen=True)
class Chooser:
    query: str
    groups: list[ChoiceGroup]

    @property
    def empty(self) -> bool:
        return not any(group.choices for group in self.groups)

    @property
    def more(self) -> bool:
        return any(group.more for group in self.groups)


def _label(document: Document) -> str:
    day = f"{timezone.localtime(document.created_at):%Y-%m-%d}"
    if isinstance(document, Issue):
        return f"“{document.subject}” — {document.property} — {day}"
    return f"{document} — {document.property} — {day}"


def _searched(kind: str, query: str) -> Q:
    found = Q()
    for name in SEARCHED[kind]:
        found |= Q(**{f"{name}__icontains": query})
    return found


def document_chooser(*, contact: Contact, query: str = "") -> Chooser:
    """The documents on the properties where the contact holds any role, by
    kind, newest first, at most SHOWN of each: one query per kind."""
    query = query.strip()
    property_ids = PropertyContact.objects.filter(contact=contact).values("property_id")
    groups = []
    for kind, model in DOCUMENT_KINDS.items():
        documents: QuerySet[Any] = (
            model._default_manager.filter(property__in=property_ids)
            .select_related("property")
            .order_by("-created_at", "-id")
        )
        if query:
            documents = documents.filter(_searched(kind, query))
        found = list(documents[: SHOWN + 1])
        groups.append(
            ChoiceGroup(
                KIND_LABELS[kind],
                [Choice(document_param(d), _label(d)) for d in found[:SHOWN]],
                more=len(found) > SHOWN,
            )
        )
    return Chooser(query, groups)


def document_chosen(value: str) -> Document:
    """The document the `document` parameter names ("invoice:12"), with its
    property; any document, not only those the contact is linked to."""
    kind, _, pk = value.partition(":")
    model = DOCUMENT_KINDS.get(kind)
    if model is None or not re.fullmatch(r"[0-9]{1,18}", pk):
        raise DocumentNotFound(f"“{value}” names no document: choose one from the list.")
    document = model._default_manager.select_related("property").filter(pk=int(pk)).first()
    if document is None:
        raise DocumentNotFound(f"There is no {kind} with id {pk}: it may have been deleted.")
    return document


# --- the check -----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """A rule that keeps the contact from the document, and what staff can do."""

    failure: Failure
    fixes: list[Fix] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why a fix is not offered


@dataclass(frozen=True)
class DocumentCheck:
    contact: Contact
    document: Document
    verdict: Verdict
    reasons: list[Reason]
    has_account: bool
    hidden_comments: list[Comment]  # not Public: the customer does not see them
    more_hidden_comments: bool
    document_url: str
    next_url: str  # back here, with the document still chosen, after a fix

    @property
    def passed(self) -> bool:
        return self.verdict.visible

    @property
    def document_name(self) -> str:
        if isinstance(self.document, Issue):
            return f"the request “{self.document}”"
        return str(self.document)

    @property
    def title(self) -> str:
        return f"Can {self.contact.full_name} see {self.document_name} in the portal?"

    @property
    def is_request(self) -> bool:
        return isinstance(self.document, Issue)


def _publish_reason(
    failure: Failure,
    document: Proposal | Invoice,
    request: HttpRequest,
    admin_site: AdminSite,
    *,
    status_fails: bool,
) -> Reason:
    model_admin = admin_site.get_model_admin(type(document))
    if not isinstance(model_admin, PublishedDocumentAdmin):
        raise TypeError(f"{type(document).__name__} is not published by printing or emailing.")
    panel = model_admin.publishing_panel(request, document)
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


def _include_client_reason(
    failure: Failure, issue: Issue, request: HttpRequest, admin_site: AdminSite
) -> Reason:
    if not admin_site.get_model_admin(Issue).has_change_permission(request, issue):
        return Reason(failure, notes=["Staff who may change requests can switch it on."])
    url = reverse("admin:issues_issue_include_client", args=[issue.pk])
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
    url = reverse(
        f"admin:{document._meta.app_label}_{document._meta.model_name}_change", args=[document.pk]
    )
    return Reason(failure, [Fix(f"Open {document} to {action}", url)])


def _reason(
    failure: Failure,
    document: Document,
    request: HttpRequest,
    admin_site: AdminSite,
    *,
    status_fails: bool,
) -> Reason:
    if failure.rule == PropertyRole.code:
        prop = document.property
        url = reverse("admin:customers_property_change", args=[prop.pk])
        return Reason(failure, [Fix(f"Edit the contacts of {prop}", url)])
    if failure.rule == SectionOn.code:
        url = reverse("admin:company_company_changelist")
        return Reason(failure, [Fix("Open the company settings (Customer portal)", url)])
    if failure.rule == Published.code and not isinstance(document, Issue):
        return _publish_reason(failure, document, request, admin_site, status_fails=status_fails)
    if failure.rule == StatusShown.code:
        return _status_reason(failure, document)
    if failure.rule == IncludeClient.code and isinstance(document, Issue):
        return _include_client_reason(failure, document, request, admin_site)
    return Reason(failure)


def _hidden_comments(issue: Issue) -> tuple[list[Comment], bool]:
    """The request's comments that are not Public, by the rule the portal
    filters them with, oldest first: at most SHOWN, and whether there are more."""
    comments = list(
        issue.comments.exclude(PublicComment.q())
        .select_related("author_user", "author_contact")
        .order_by("created_at", "id")[: SHOWN + 1]
    )
    return comments[:SHOWN], len(comments) > SHOWN


def document_check(
    *,
    contact: Contact,
    document: Document,
    company: Company,
    request: HttpRequest,
    admin_site: AdminSite,
) -> DocumentCheck:
    """Whether the portal shows the contact this document, each rule that
    stops it with its fix, and for a request the comments the customer does
    not see. Buttons only for staff who may use them; their views check again."""
    # The rules read the property's roles: one query, and none if who_sees()
    # has loaded them already. All of them, never only this contact's, which
    # would be wrong for the next contact asked about the same instance.
    prefetch_related_objects([document], "property__roles")
    verdict = explain_document(contact=contact, document=document, company=company)
    hidden, more = _hidden_comments(document) if isinstance(document, Issue) else ([], False)
    opts = document._meta
    status_fails = StatusShown.code in verdict.rules
    return DocumentCheck(
        contact=contact,
        document=document,
        verdict=verdict,
        reasons=[
            _reason(f, document, request, admin_site, status_fails=status_fails)
            for f in verdict.failures
        ],
        # A missing portal account raises a subclass of AttributeError.
        has_account=hasattr(contact, "portal_account"),
        hidden_comments=hidden,
        more_hidden_comments=more,
        document_url=reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[document.pk]
        ),
        next_url=troubleshoot_url(contact, document),
    )
