"""The proposal page's status buttons: Send, Withdraw, Reopen, and Record the
customer's decision made on paper, by phone or by email. What each button says
and who may press it is in test_document_buttons.py; here, what the status
allows and what the decision form takes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.proposals.models import Proposal
from trellis.testing.factories import ContactFactory, PropertyContactFactory, ProposalFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
DECIDED_AT = dt.datetime(2026, 3, 12, 14, 5, tzinfo=dt.UTC)


def url(proposal, action=""):
    name = f"office:proposal-{action}" if action else "office:proposal"
    return reverse(name, kwargs={"proposal_id": proposal.pk})


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def panel(office, proposal):
    return office.get(url(proposal)).context["status_panel"]


@pytest.fixture
def maria():
    return ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")


@pytest.fixture
def proposal(maria):
    """A sent proposal for Oak Street, whose Primary contact is Maria: a
    clean-up of 100.00 and optional mulch of 40.00."""
    proposal = ProposalFactory(
        number="PR-2001",
        items=[
            {"description": "Clean-up", "unit_price": Decimal("100.00")},
            {"description": "Mulch", "unit_price": Decimal("40.00"), "optional": True},
        ],
    )
    PropertyContactFactory(
        property=proposal.property, contact=maria, role=PropertyContact.Role.PRIMARY
    )
    return proposal


def in_status(proposal, status):
    fields = {"status": status}
    if status in Proposal.DECIDED:
        fields["decided_at"] = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(**fields)
    proposal.refresh_from_db()
    return proposal


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.DRAFT, ["send", "withdraw"]),
        (Status.SENT, ["record_decision", "withdraw"]),
        (Status.APPROVED, []),
        (Status.DECLINED, ["reopen"]),
        (Status.WITHDRAWN, ["reopen"]),
    ],
)
def test_the_page_offers_only_the_buttons_the_status_allows(office, proposal, status, expected):
    in_status(proposal, status)

    assert [button.name for button in panel(office, proposal).buttons] == expected


def test_an_approved_proposal_says_why_it_offers_nothing(office, proposal):
    in_status(proposal, Status.APPROVED)

    page = office.get(url(proposal)).text

    assert "An approval is final: write a new proposal for any change." in page


def test_withdrawing_records_who_withdrew_it_why_and_what_it_was(office, staff, proposal):
    office.post(url(proposal, "withdraw"), {"reason": "The customer moved."})

    entry = AuditEntry.objects.get(action="proposal.withdrawn")
    assert (entry.actor, entry.data) == (staff, {"reason": "The customer moved.", "was": "sent"})


def test_reopening_a_declined_proposal_clears_the_decline_and_keeps_it_in_the_audit_log(
    office, staff, proposal, maria
):
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Status.DECLINED, decided_at=DECIDED_AT, decided_by=maria, decline_reason="Dear."
    )

    office.post(url(proposal, "reopen"), {"reason": "New price agreed."})

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at, proposal.decline_reason) == (
        Status.SENT,
        None,
        "",
    )
    entry = AuditEntry.objects.get(action="proposal.reopened")
    assert entry.actor == staff
    assert entry.data["previous"]["decline_reason"] == "Dear."


def test_the_decision_form_offers_the_propertys_contacts_and_its_optional_items(
    office, proposal, maria
):
    [record] = panel(office, proposal).buttons[:1]

    form = record.form
    assert list(form.fields["contact"].choices) == [("", "---------"), (maria.pk, "Maria Lopez")]
    mulch = proposal.items.get(optional=True)
    assert list(form.fields["chosen_items"].choices) == [(mulch.pk, "Mulch (40.00)")]
    assert [value for value, _ in form.fields["via"].choices] == ["paper", "phone", "email"]
    # Now, to the minute, in the office's time zone.
    now = timezone.localtime().replace(tzinfo=None)
    assert now - dt.timedelta(minutes=1) <= form["decided_at"].value() <= now


def approval(maria, **changes):
    return {
        "decision": "approved",
        "via": "phone",
        "contact": str(maria.pk),
        "decided_at": "2026-03-12T14:05",
        "signer_name": "",
        "reason": "",
    } | changes


def test_recording_an_approval_by_phone_says_how_who_when_and_who_recorded_it(
    office, staff, proposal, maria
):
    mulch = proposal.items.get(optional=True)

    response = office.post(
        url(proposal, "record-decision"), approval(maria, chosen_items=[mulch.pk])
    )

    assert (response.status_code, response.url) == (302, url(proposal))
    summary = "Approved by phone by Maria Lopez on March 12, 2026, 2:05 PM, recorded by Jane Smith"
    assert messages_of(response) == [f"Proposal PR-2001: {summary}."]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_via, proposal.decided_by) == (
        Status.APPROVED,
        Proposal.DecidedVia.PHONE,
        maria,
    )
    assert (proposal.decided_at, proposal.decision_recorded_by) == (DECIDED_AT, staff)
    assert proposal.total == Decimal("140.00")
    entry = AuditEntry.objects.get(action="proposal.approved")
    assert (entry.actor, entry.data["via"], entry.data["chosen_item_ids"]) == (
        staff,
        "phone",
        [mulch.pk],
    )
    page = office.get(url(proposal)).text
    assert summary in page.split('id="decision-summary"')[1]


def test_recording_a_decline_on_paper_keeps_the_reason(office, proposal, maria):
    response = office.post(
        url(proposal, "record-decision"),
        approval(maria, decision="declined", via="paper", reason="Too dear this year."),
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (Status.DECLINED, "Too dear this year.")
    assert "Too dear this year." in office.get(url(proposal)).text.split('id="decision-reason"')[1]


def test_a_contact_of_another_property_is_not_accepted(office, proposal, maria):
    stranger = ContactFactory()

    response = office.post(url(proposal, "record-decision"), approval(maria, contact=stranger.pk))

    assert response.status_code == 200
    [record] = [b for b in response.context["status_panel"].buttons if b.form]
    assert "contact" in record.form.errors
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Status.SENT, None)


def test_a_decision_in_the_future_is_refused(office, proposal, maria):
    later = timezone.localtime() + dt.timedelta(days=2)

    response = office.post(
        url(proposal, "record-decision"),
        approval(maria, decided_at=later.strftime("%Y-%m-%dT%H:%M")),
    )

    assert messages_of(response) == ["The decision can't be dated in the future."]
    proposal.refresh_from_db()
    assert proposal.status == Status.SENT


def test_a_portal_approval_says_how_it_was_signed(office, proposal, maria):
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Status.APPROVED,
        decided_via=Proposal.DecidedVia.PORTAL,
        decided_by=maria,
        decided_at=DECIDED_AT,
        signer_name="Maria Lopez",
    )

    page = office.get(url(proposal)).text

    assert (
        "Approved in the portal by Maria Lopez on March 12, 2026, 2:05 PM, signed as “Maria Lopez”"
        in page.replace("&#x201C;", "“").replace("&#x201D;", "”")
    )


BUTTONS = [
    ("send", {}),
    ("withdraw", {"reason": "The customer moved."}),
    ("reopen", {"reason": "New price."}),
    ("record-decision", {"decision": "approved", "via": "phone"}),
    ("print", {}),
    ("email", {}),
]


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_answers_404_for_a_proposal_that_does_not_exist(office, action, data):
    missing = reverse(f"office:proposal-{action}", kwargs={"proposal_id": 999999})

    assert office.post(missing, data).status_code == 404
    assert not AuditEntry.objects.exists()
