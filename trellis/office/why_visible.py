"""Who sees this in the portal: for each contact linked to a proposal's,
invoice's or issue's property, whether the portal shows them the document and,
if not, every rule that stops them.

The answers come only from trellis.visibility (explain_proposal, explain_invoice,
explain_issue), the module the portal itself enforces: nothing here decides
visibility.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact, PropertyContact
from trellis.issues.models import Issue
from trellis.proposals.models import Proposal
from trellis.visibility import (
    Failure,
    Verdict,
    explain_invoice,
    explain_issue,
    explain_proposal,
)

Document = Proposal | Invoice | Issue


@dataclass(frozen=True)
class WhoSeesRow:
    """One contact linked to the document's property, and the portal's verdict."""

    contact: Contact
    roles: list[str]  # the labels of the roles it holds on the property, in order
    has_account: bool  # without a portal account the contact cannot sign in at all
    verdict: Verdict
    troubleshoot_url: str  # the contact's troubleshoot page, with this document chosen

    @property
    def sees_it(self) -> bool:
        return self.verdict.visible

    @property
    def failures(self) -> list[Failure]:
        return self.verdict.failures


# How a document is named in a URL ("invoice:12"): the portal's words.
DOCUMENT_KINDS: dict[str, type[Document]] = {
    "proposal": Proposal,
    "invoice": Invoice,
    "request": Issue,
}


def document_kind(document: Document) -> str:
    for kind, model in DOCUMENT_KINDS.items():
        if isinstance(document, model):
            return kind
    raise TypeError(f"No portal visibility rules for {type(document).__name__}.")


def document_param(document: Document) -> str:
    """The document as the troubleshoot page's `document` parameter: "invoice:12"."""
    return f"{document_kind(document)}:{document.pk}"


def troubleshoot_url(contact: Contact, document: Document | None = None) -> str:
    """The contact's Troubleshoot portal access page, with this document chosen."""
    url = reverse("admin:customers_contact_troubleshoot", args=[contact.pk])
    if document is None:
        return url
    return f"{url}?document={document_param(document)}"  # a kind and a number: nothing to quote


def explain_document(*, contact: Contact, document: Document, company: Company) -> Verdict:
    """The portal's verdict on one proposal, invoice or issue for one contact."""
    if isinstance(document, Proposal):
        return explain_proposal(contact=contact, proposal=document, company=company)
    if isinstance(document, Invoice):
        return explain_invoice(contact=contact, invoice=document, company=company)
    if isinstance(document, Issue):
        return explain_issue(contact=contact, issue=document, company=company)
    raise TypeError(f"No portal visibility rules for {type(document).__name__}.")


def _has_account(contact: Contact) -> bool:
    try:
        contact.portal_account  # noqa: B018 (loaded with the roles: no query)
    except ObjectDoesNotExist:
        return False
    return True


def who_sees(document: Document, *, company: Company | None = None) -> list[WhoSeesRow]:
    """A row for each contact linked to the document's property (several roles,
    one row), in the order of their first role, with the portal's verdict.

    A fixed number of queries however many contacts: the property's roles, with
    their contacts and portal accounts, are loaded once, and the visibility
    rules read them from there."""
    company = company or Company.load()
    prefetch_related_objects(
        [document],
        Prefetch(
            "property__roles",
            queryset=PropertyContact.objects.select_related("contact__portal_account"),
        ),
    )
    grouped: dict[int, tuple[Contact, list[str]]] = {}
    for role in document.property.roles.all():
        _, labels = grouped.setdefault(role.contact_id, (role.contact, []))
        labels.append(role.get_role_display())
    return [
        WhoSeesRow(
            contact=contact,
            roles=labels,
            has_account=_has_account(contact),
            verdict=explain_document(contact=contact, document=document, company=company),
            troubleshoot_url=troubleshoot_url(contact, document),
        )
        for contact, labels in grouped.values()
    ]
