"""Who sees what in the customer portal: THE rules, stated once.

Each rule is written twice, side by side, in the same small class: as a
queryset filter (what the portal lists and loads) and as a check that says in
words why it fails (what the doctor and "Why can't they see this?" show). A
property-based test holds the two to each other, so the explanation support
reads can never drift from what the portal enforces.

The rules (DESIGN.md, "Who sees what"):
- the contact is the property's Primary or Billing contact;
- the company has the section (proposals, invoices, requests) switched on;
- a proposal or invoice has been printed or emailed;
- a proposal is Sent, Approved or Declined, and an invoice is Open, Partially
  paid or Paid: never a draft, a withdrawn proposal or a void invoice;
- an issue has Include Client checked;
- a comment is Public.

Why those statuses. A draft is never shown, whatever its flags: printed or
emailed, it is still work in progress. A withdrawn proposal has been
"removed" (Aspire keeps proposals "until approved or removed") and a void
invoice is not owed: neither can be acted on, their amounts must count in no
total, and what the portal shows it must also list (a detail page no list
leads to is a bug), so they are not shown at all. List, detail, PDF,
approve, decline and pay, the troubleshooter and "Who sees this" all agree
because they all go through this one rule. Requests have no status rule: a
closed request is still shown, under Closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.documents.models import PUBLISHED
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal

PORTAL_ROLES = (PropertyContact.Role.PRIMARY, PropertyContact.Role.BILLING)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Failure:
    """A rule that keeps a contact from an object, in words for staff."""

    rule: str
    message: str


@dataclass(frozen=True)
class Verdict:
    failures: list[Failure] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return not self.failures

    @property
    def rules(self) -> list[str]:
        return [failure.rule for failure in self.failures]


# --- the rules -------------------------------------------------------------


@dataclass(frozen=True)
class ContactProperties:
    """The properties a contact is Primary or Billing contact of, read already
    in this request (what visible_properties gave): the document lists given
    them filter on the ids themselves instead of a subquery of this rule, which
    was half the Python cost of the dashboard's queries, built again in each."""

    contact_id: int
    ids: tuple[int, ...]

    @classmethod
    def of(cls, contact: Contact, properties: Iterable[Property]) -> ContactProperties:
        """`properties`: what visible_properties(contact=contact) gave, all of it."""
        return cls(contact_id=contact.pk, ids=tuple(p.pk for p in properties))


class PropertyRole:
    """The contact is the property's Primary or Billing contact."""

    code = "property_role"

    @staticmethod
    def property_ids(contact: Contact) -> QuerySet[PropertyContact, int]:
        return PropertyContact.objects.filter(contact=contact, role__in=PORTAL_ROLES).values_list(
            "property_id", flat=True
        )

    @classmethod
    def q(
        cls,
        contact: Contact,
        *,
        path: str = "property",
        properties: ContactProperties | None = None,
    ) -> Q:
        if properties is None:
            return Q(**{f"{path}__in": cls.property_ids(contact)})
        if properties.contact_id != contact.pk:
            raise ValueError("These are another contact's properties")
        return Q(**{f"{path}__in": properties.ids})

    @classmethod
    def failure(cls, contact: Contact, prop: Property) -> Failure | None:
        roles = {r.role for r in prop.roles.all() if r.contact_id == contact.pk}
        if roles & set(PORTAL_ROLES):
            return None
        if roles:
            held = ", ".join(sorted(PropertyContact.Role(r).label for r in roles))
            return Failure(
                cls.code,
                f"{contact.full_name} is only a contact with the role “{held}” on {prop}: "
                "only its Primary or Billing contact sees its proposals, invoices and requests.",
            )
        return Failure(
            cls.code,
            f"{contact.full_name} is not the Primary or Billing contact of {prop}, "
            "so sees none of its proposals, invoices and requests.",
        )


class SectionOn:
    """The company has this portal section switched on."""

    code = "section_on"
    FLAGS = {
        Proposal: ("proposals_enabled", "Proposals"),
        Invoice: ("invoices_enabled", "Invoices"),
        Issue: ("requests_enabled", "Requests"),
    }

    @classmethod
    def is_on(cls, company: Company, model: type[Model]) -> bool:
        flag, _ = cls.FLAGS[model]
        return bool(getattr(company, flag))

    @classmethod
    def failure(cls, company: Company, model: type[Model]) -> Failure | None:
        if cls.is_on(company, model):
            return None
        _, section = cls.FLAGS[model]
        return Failure(
            cls.code, f"The company has switched the {section} section of the portal off."
        )


class Published:
    """A proposal or invoice has been printed or emailed."""

    code = "published"

    @staticmethod
    def q() -> Q:
        return PUBLISHED

    @classmethod
    def failure(cls, document: Proposal | Invoice) -> Failure | None:
        if document.printed_at is not None or document.emailed_at is not None:
            return None
        return Failure(
            cls.code,
            f"{document} has been neither printed nor emailed, and only printed or emailed "
            "documents appear in the portal.",
        )


class StatusShown:
    """A proposal or invoice is in a status the portal shows."""

    code = "status_shown"
    SHOWN: dict[type[Proposal | Invoice], tuple[str, ...]] = {
        Proposal: (Proposal.Status.SENT, Proposal.Status.APPROVED, Proposal.Status.DECLINED),
        Invoice: (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID),
    }

    # Why the portal does not show a document in each other status, in words for
    # staff ("draft" is the same value in both models).
    WHY_NOT: dict[str, str] = {
        Proposal.Status.DRAFT: "is a draft, and drafts never appear in the portal",
        Proposal.Status.WITHDRAWN: "was withdrawn, and withdrawn proposals are not shown in "
        "the portal",
        Invoice.Status.VOID: "is void, and void invoices are not shown in the portal",
    }

    @classmethod
    def q(cls, model: type[Proposal | Invoice]) -> Q:
        return Q(status__in=cls.SHOWN[model])

    @classmethod
    def failure(cls, document: Proposal | Invoice) -> Failure | None:
        if document.status in cls.SHOWN[type(document)]:
            return None
        # A status added to a model but to neither SHOWN nor WHY_NOT is still hidden, and said.
        status = document.get_status_display().lower()
        why = cls.WHY_NOT.get(document.status, f"is {status}, which the portal does not show")
        return Failure(cls.code, f"{document} {why}.")


class IncludeClient:
    """An issue has Include Client checked."""

    code = "include_client"

    @staticmethod
    def q() -> Q:
        return Q(include_client=True)

    @classmethod
    def failure(cls, issue: Issue) -> Failure | None:
        if issue.include_client:
            return None
        return Failure(cls.code, f"The request “{issue}” does not have Include Client checked.")


class PublicComment:
    """A comment is marked Public."""

    code = "public_comment"

    @staticmethod
    def q() -> Q:
        return Q(is_public=True)

    @classmethod
    def failure(cls, comment: Comment) -> Failure | None:
        if comment.is_public:
            return None
        return Failure(cls.code, "The comment is an internal note: it is not marked Public.")


# --- what the portal lists and loads ---------------------------------------


def visible_properties(*, contact: Contact) -> QuerySet[Property]:
    return Property.objects.filter(pk__in=PropertyRole.property_ids(contact))


def _documents(
    model: type[M], contact: Contact, company: Company, properties: ContactProperties | None
) -> QuerySet[M]:
    if not SectionOn.is_on(company, model):
        return model._default_manager.none()
    return model._default_manager.filter(PropertyRole.q(contact, properties=properties))


def visible_proposals(
    *, contact: Contact, company: Company, properties: ContactProperties | None = None
) -> QuerySet[Proposal]:
    return _documents(Proposal, contact, company, properties).filter(
        Published.q(), StatusShown.q(Proposal)
    )


def visible_invoices(
    *, contact: Contact, company: Company, properties: ContactProperties | None = None
) -> QuerySet[Invoice]:
    return _documents(Invoice, contact, company, properties).filter(
        Published.q(), StatusShown.q(Invoice)
    )


def visible_issues(
    *, contact: Contact, company: Company, properties: ContactProperties | None = None
) -> QuerySet[Issue]:
    return _documents(Issue, contact, company, properties).filter(IncludeClient.q())


def visible_comments(*, issue: Issue) -> QuerySet[Comment]:
    """The comments of an issue the contact sees (load the issue through visible_issues)."""
    return issue.comments.filter(PublicComment.q())


# --- why (not) -------------------------------------------------------------


def _failures(*found: Failure | None) -> Verdict:
    return Verdict([f for f in found if f is not None])


def explain_proposal(*, contact: Contact, proposal: Proposal, company: Company) -> Verdict:
    return _failures(
        SectionOn.failure(company, Proposal),
        PropertyRole.failure(contact, proposal.property),
        Published.failure(proposal),
        StatusShown.failure(proposal),
    )


def explain_invoice(*, contact: Contact, invoice: Invoice, company: Company) -> Verdict:
    return _failures(
        SectionOn.failure(company, Invoice),
        PropertyRole.failure(contact, invoice.property),
        Published.failure(invoice),
        StatusShown.failure(invoice),
    )


def explain_issue(*, contact: Contact, issue: Issue, company: Company) -> Verdict:
    return _failures(
        SectionOn.failure(company, Issue),
        PropertyRole.failure(contact, issue.property),
        IncludeClient.failure(issue),
    )


def explain_comment(*, contact: Contact, comment: Comment, company: Company) -> Verdict:
    issue_verdict = explain_issue(contact=contact, issue=comment.issue, company=company)
    return _failures(*issue_verdict.failures, PublicComment.failure(comment))
