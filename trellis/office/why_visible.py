"""Who sees this in the portal: for each contact linked to a proposal's,
invoice's or issue's property, whether the portal shows them the document and,
if not, every rule that stops them.

The answers come only from trellis.visibility (explain_proposal, explain_invoice,
explain_issue), the module the portal itself enforces: nothing here decides
visibility.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, prefetch_related_objects

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

    @property
    def sees_it(self) -> bool:
        return self.verdict.visible

    @property
    def failures(self) -> list[Failure]:
        return self.verdict.failures


def _explain(document: Document) -> Callable[[Contact, Company], Verdict]:
    if isinstance(document, Proposal):
        return lambda contact, company: explain_proposal(
            contact=contact, proposal=document, company=company
        )
    if isinstance(document, Invoice):
        return lambda contact, company: explain_invoice(
            contact=contact, invoice=document, company=company
        )
    if isinstance(document, Issue):
        return lambda contact, company: explain_issue(
            contact=contact, issue=document, company=company
        )
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
    explain = _explain(document)
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
            verdict=explain(contact, company),
        )
        for contact, labels in grouped.values()
    ]
