"""Random worlds of contacts, properties, roles, documents, statuses and flags,
for the property-based tests of the visibility rules; and an oracle, written
here independently of trellis.visibility, of what each contact may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from trellis.billing.models import Invoice, InvoiceLine
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal, ProposalItem

CONTACTS = 3

# Every status of each model, and those the portal shows (DESIGN.md, "Who sees
# what"), written out here rather than read from trellis.visibility.
PROPOSAL_STATUSES = ("draft", "sent", "approved", "declined", "withdrawn")
INVOICE_STATUSES = ("draft", "open", "partially_paid", "paid", "void")
PROPOSALS_SHOWN = {"sent", "approved", "declined"}
INVOICES_SHOWN = {"open", "partially_paid", "paid"}


@dataclass
class DocumentSpec:
    property: int
    printed: bool
    emailed: bool
    status: str

    @property
    def published(self) -> bool:
        return self.printed or self.emailed


@dataclass
class IssueSpec:
    property: int
    include_client: bool
    public_comments: list[bool]


@dataclass
class WorldSpec:
    properties: int
    primary: list[int | None]
    billing: list[int | None]
    others: list[set[int]]
    proposals: list[DocumentSpec]
    invoices: list[DocumentSpec]
    issues: list[IssueSpec]
    sections: tuple[bool, bool, bool]


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    n = draw(st.integers(1, 4))
    holder = st.one_of(st.none(), st.integers(0, CONTACTS - 1))
    prop = st.integers(0, n - 1)

    def documents(statuses: tuple[str, ...]) -> st.SearchStrategy[list[DocumentSpec]]:
        spec = st.builds(
            DocumentSpec, prop, st.booleans(), st.booleans(), st.sampled_from(statuses)
        )
        return st.lists(spec, max_size=5)

    return WorldSpec(
        properties=n,
        primary=draw(st.lists(holder, min_size=n, max_size=n)),
        billing=draw(st.lists(holder, min_size=n, max_size=n)),
        others=draw(st.lists(st.sets(st.integers(0, CONTACTS - 1)), min_size=n, max_size=n)),
        proposals=draw(documents(PROPOSAL_STATUSES)),
        invoices=draw(documents(INVOICE_STATUSES)),
        issues=draw(
            st.lists(
                st.builds(IssueSpec, prop, st.booleans(), st.lists(st.booleans(), max_size=3)),
                max_size=4,
            )
        ),
        sections=draw(st.tuples(st.booleans(), st.booleans(), st.booleans())),
    )


@dataclass
class World:
    spec: WorldSpec
    company: Company
    contacts: list[Contact]
    properties: list[Property]
    proposals: list[Proposal] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    comments: list[tuple[Comment, int]] = field(default_factory=list)  # (comment, issue index)

    # --- the oracle ---
    def sees_property(self, contact: int, prop: int) -> bool:
        return contact in (self.spec.primary[prop], self.spec.billing[prop])

    def allowed_proposals(self, contact: int) -> set[int]:
        if not self.spec.sections[0]:
            return set()
        return {
            p.pk
            for p, s in zip(self.proposals, self.spec.proposals, strict=True)
            if self.sees_property(contact, s.property)
            and s.published
            and s.status in PROPOSALS_SHOWN
        }

    def allowed_invoices(self, contact: int) -> set[int]:
        if not self.spec.sections[1]:
            return set()
        return {
            i.pk
            for i, s in zip(self.invoices, self.spec.invoices, strict=True)
            if self.sees_property(contact, s.property)
            and s.published
            and s.status in INVOICES_SHOWN
        }

    def allowed_issues(self, contact: int) -> set[int]:
        if not self.spec.sections[2]:
            return set()
        return {
            i.pk
            for i, s in zip(self.issues, self.spec.issues, strict=True)
            if self.sees_property(contact, s.property) and s.include_client
        }

    def allowed_comments(self, contact: int) -> set[int]:
        issues = self.allowed_issues(contact)
        return {
            c.pk
            for c, issue_index in self.comments
            if self.issues[issue_index].pk in issues and c.is_public
        }


def build(spec: WorldSpec) -> World:
    company = Company.load()
    company.proposals_enabled, company.invoices_enabled, company.requests_enabled = spec.sections
    company.save()
    contacts = [
        Contact.objects.create(first_name=f"Person{i}", email=f"p{i}@example.com")
        for i in range(CONTACTS)
    ]
    properties = [Property.objects.create(name=f"Place {i}") for i in range(spec.properties)]
    roles = []
    for i, prop in enumerate(properties):
        if spec.primary[i] is not None:
            roles.append(
                PropertyContact(property=prop, contact=contacts[spec.primary[i]], role="primary")
            )
        if spec.billing[i] is not None:
            roles.append(
                PropertyContact(property=prop, contact=contacts[spec.billing[i]], role="billing")
            )
        roles += [
            PropertyContact(property=prop, contact=contacts[c], role="other")
            for c in spec.others[i]
        ]
    PropertyContact.objects.bulk_create(roles)
    world = World(spec, company, contacts, properties)
    now = timezone.now()
    for n, s in enumerate(spec.proposals):
        proposal = Proposal.objects.create(
            property=properties[s.property],
            number=f"PR-{n}",
            title="Work",
            status=s.status,
            printed_at=now if s.printed else None,
            emailed_at=now if s.emailed else None,
            decided_at=now if s.status in ("approved", "declined") else None,
        )
        ProposalItem.objects.create(proposal=proposal, description="Mowing", unit_price=Decimal(50))
        world.proposals.append(proposal)
    # The constraints keep status and money in step: something paid on a
    # partially paid invoice, all of it on a paid one.
    paid = {"partially_paid": Decimal(30), "paid": Decimal(80)}
    for n, s in enumerate(spec.invoices):
        invoice = Invoice.objects.create(
            property=properties[s.property],
            number=f"INV-{n}",
            status=s.status,
            issued_on=dt.date(2026, 11, 1),
            due_on=dt.date(2026, 12, 1),
            subtotal=Decimal(80),
            total=Decimal(80),
            amount_paid=paid.get(s.status, Decimal(0)),
            paid_at=now if s.status == "paid" else None,
            printed_at=now if s.printed else None,
            emailed_at=now if s.emailed else None,
        )
        InvoiceLine.objects.create(invoice=invoice, description="Mulch", unit_price=Decimal(80))
        world.invoices.append(invoice)
    for n, s in enumerate(spec.issues):
        issue = Issue.objects.create(
            property=properties[s.property], subject=f"Request {n}", include_client=s.include_client
        )
        world.issues.append(issue)
        for public in s.public_comments:
            world.comments.append(
                (Comment.objects.create(issue=issue, body="Noted", is_public=public), n)
            )
    return world


# Every tab of the portal's three lists: together, all that a contact sees listed.
PORTAL_LISTS = {
    "portal:proposals": ("pending", "approved", "declined"),
    "portal:invoices": ("due", "paid"),
    "portal:requests": ("open", "closed"),
}


def portal_lists(client: Client) -> set[tuple[type, int]]:
    """What the signed-in contact's portal lists, as (model, pk), from every tab
    of its lists; a world's documents fit on each tab's first page. A section
    switched off answers 404: it lists nothing."""
    listed: set[tuple[type, int]] = set()
    for page, tabs in PORTAL_LISTS.items():
        for tab in tabs:
            response = client.get(reverse(page), {"status": tab})
            assert response.status_code in (200, 404), (page, tab, response.status_code)
            if response.status_code == 200:
                shown = response.context["page"]
                assert not shown.has_next()
                listed |= {(type(d), d.pk) for d in shown.object_list}
    return listed
