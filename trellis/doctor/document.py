"""Can this contact see this proposal, invoice or request in the portal? The
answer, every rule that stops them, and for a request the comments the
customer does not see; and the documents staff can choose from.

The verdict is trellis.visibility's (explain_proposal, explain_invoice,
explain_issue), the rules the portal itself enforces: nothing here decides
visibility. What staff can do about each rule is the office's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact, PropertyContact
from trellis.doctor.checks import Verdict
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal
from trellis.visibility import (
    Failure,
    PublicComment,
    explain_invoice,
    explain_issue,
    explain_proposal,
)
from trellis.visibility import Verdict as Visibility

Document = Proposal | Invoice | Issue

# How a document is named in a reference ("invoice:12"): the portal's words.
DOCUMENT_KINDS: dict[str, type[Document]] = {
    "proposal": Proposal,
    "invoice": Invoice,
    "request": Issue,
}

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


def document_kind(document: Document) -> str:
    for kind, model in DOCUMENT_KINDS.items():
        if isinstance(document, model):
            return kind
    raise TypeError(f"No portal visibility rules for {type(document).__name__}.")


def document_ref(document: Document) -> str:
    """The document as a kind and a number: "invoice:12"."""
    return f"{document_kind(document)}:{document.pk}"


def explain_document(*, contact: Contact, document: Document, company: Company) -> Visibility:
    """The portal's verdict on one proposal, invoice or issue for one contact."""
    if isinstance(document, Proposal):
        return explain_proposal(contact=contact, proposal=document, company=company)
    if isinstance(document, Invoice):
        return explain_invoice(contact=contact, invoice=document, company=company)
    if isinstance(document, Issue):
        return explain_issue(contact=contact, issue=document, company=company)
    raise TypeError(f"No portal visibility rules for {type(document).__name__}.")


def document_name(document: Document) -> str:
    if isinstance(document, Issue):
        return f"the request “{document}”"
    return str(document)


def has_account(contact: Contact) -> bool:
    try:
        contact.portal_account  # noqa: B018 (loaded with the roles when asked for many)
    except ObjectDoesNotExist:
        return False
    return True


# --- the chooser -------------------------------------------------------------


class DocumentNotFound(Exception):
    """The reference names no document, in words for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Choice:
    value: str  # the reference: "invoice:12"
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
                [Choice(document_ref(d), _label(d)) for d in found[:SHOWN]],
                more=len(found) > SHOWN,
            )
        )
    return Chooser(query, groups)


def document_chosen(value: str) -> Document:
    """The document a reference names ("invoice:12"), with its property; any
    document, not only those the contact is linked to."""
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
class DocumentCheck:
    contact: Contact
    document: Document
    visibility: Visibility
    has_account: bool
    hidden_comments: list[Comment]  # not Public: the customer does not see them
    more_hidden_comments: bool

    code = "document_visible"

    @property
    def verdict(self) -> Verdict:
        return Verdict.PASS if self.visibility.visible else Verdict.FAIL

    @property
    def failures(self) -> list[Failure]:
        return self.visibility.failures

    @property
    def document_name(self) -> str:
        return document_name(self.document)

    @property
    def question(self) -> str:
        return f"Can {self.contact.full_name} see {self.document_name} in the portal?"

    @property
    def answer(self) -> str:
        if self.visibility.visible:
            return "Yes: the portal shows it to them."
        if len(self.failures) == 1:
            return f"No: {self.failures[0].message}"
        return f"No, for {len(self.failures)} reasons."

    @property
    def hints(self) -> tuple[str, ...]:
        if self.visibility.visible and not self.has_account:
            return ("They have no portal account yet, so cannot sign in to see it.",)
        return ()


def _hidden_comments(issue: Issue) -> tuple[list[Comment], bool]:
    """The request's comments that are not Public, by the rule the portal
    filters them with, oldest first: at most SHOWN, and whether there are more."""
    comments = list(
        issue.comments.exclude(PublicComment.q())
        .select_related("author_user", "author_contact")
        .order_by("created_at", "id")[: SHOWN + 1]
    )
    return comments[:SHOWN], len(comments) > SHOWN


def document_check(*, contact: Contact, document: Document, company: Company) -> DocumentCheck:
    """Whether the portal shows the contact this document, every rule that
    stops it, and for a request the comments the customer does not see."""
    # The rules read the property's roles: one query, and none if who_sees()
    # has loaded them already. All of them, never only this contact's, which
    # would be wrong for the next contact asked about the same instance.
    prefetch_related_objects([document], "property__roles")
    hidden, more = _hidden_comments(document) if isinstance(document, Issue) else ([], False)
    return DocumentCheck(
        contact=contact,
        document=document,
        visibility=explain_document(contact=contact, document=document, company=company),
        has_account=has_account(contact),
        hidden_comments=hidden,
        more_hidden_comments=more,
    )
