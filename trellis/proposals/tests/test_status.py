import datetime as dt
from decimal import Decimal

import pytest

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.proposals.models import Proposal
from trellis.proposals.status import proposal_record_decision, proposal_reopen
from trellis.testing.factories import PropertyContactFactory, ProposalFactory

pytestmark = pytest.mark.django_db

SPOKEN = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)
ITEMS = [
    {"description": "Aeration", "unit_price": Decimal("90.00")},
    {"description": "Lime", "unit_price": Decimal("35.00"), "optional": True},
    {"description": "Overseeding", "unit_price": Decimal("80.00"), "optional": True},
]


@pytest.fixture
def link(alice):
    return PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.PRIMARY)


def record(proposal, contact, staff, **changes):
    arguments = {
        "proposal_id": proposal.pk,
        "approved": True,
        "via": Proposal.DecidedVia.PAPER,
        "contact_id": contact.pk,
        "decided_at": SPOKEN,
        "recorded_by": staff,
    }
    return proposal_record_decision(**arguments | changes)


def test_the_audit_entry_names_the_items_chosen_not_the_ids_staff_sent(link, staff):
    proposal = ProposalFactory(property=link.property, items=ITEMS)
    other = ProposalFactory(property=link.property, items=ITEMS)
    lime = proposal.items.get(description="Lime")
    ids = [lime.pk, proposal.items.get(description="Aeration").pk, other.items.last().pk]

    record(proposal, link.contact, staff, chosen_item_ids=ids)

    assert [i.description for i in proposal.items.filter(chosen=True)] == ["Lime"]
    assert not other.items.filter(chosen=True).exists()
    entry = AuditEntry.objects.get(action="proposal.approved")
    assert entry.data["chosen_item_ids"] == [lime.pk]
    assert entry.data["total"] == "125.00"


def test_an_imported_approval_is_audited_with_the_items_as_the_import_chose_them(link):
    proposal = ProposalFactory(property=link.property, items=ITEMS)
    proposal.items.filter(description="Overseeding").update(chosen=True)

    record(proposal, link.contact, None, via=Proposal.DecidedVia.IMPORT, chosen_item_ids=())

    entry = AuditEntry.objects.get(action="proposal.approved")
    assert entry.actor is None
    assert entry.data["chosen_item_ids"] == [proposal.items.get(description="Overseeding").pk]


def test_reopening_keeps_who_recorded_the_decline_and_how(link, staff):
    proposal = ProposalFactory(property=link.property)
    record(proposal, link.contact, staff, approved=False, via="phone", reason="Too dear.")

    proposal_reopen(proposal_id=proposal.pk, actor=staff, reason="They called back.")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_recorded_by, proposal.decided_by) == (
        Proposal.Status.SENT,
        None,
        None,
    )
    entry = AuditEntry.objects.get(action="proposal.reopened")
    assert entry.data == {
        "reason": "They called back.",
        "previous": {
            "was": "declined",
            "decided_via": "phone",
            "decided_at": SPOKEN.isoformat(),
            "decided_by": link.contact.pk,
            "decided_from_ip": None,
            "decision_recorded_by": staff.pk,
            "decline_reason": "Too dear.",
        },
    }


def test_a_reopened_proposal_can_be_decided_again(link, staff):
    proposal = ProposalFactory(property=link.property)
    record(proposal, link.contact, staff, approved=False, reason="Too dear.")
    proposal_reopen(proposal_id=proposal.pk, actor=staff, reason="They called back.")

    record(proposal, link.contact, staff, via="email")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_via, proposal.decline_reason) == (
        Proposal.Status.APPROVED,
        "email",
        "",
    )
