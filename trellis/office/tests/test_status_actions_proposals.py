"""The proposal page's status buttons: Send, Withdraw, Reopen, and Record the
customer's decision made on paper, by phone or by email."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.proposals.models import Proposal
from trellis.testing.factories import (
    ContactFactory,
    PropertyContactFactory,
    ProposalFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

Status = Proposal.Status
DECIDED_AT = dt.datetime(2026, 3, 12, 14, 5, tzinfo=dt.UTC)


def url(proposal, action):
    return reverse(f"admin:proposals_proposal_{action}", args=[proposal.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def panel(office, proposal):
    return office.get(url(proposal, "change")).context["status_panel"]


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


@pytest.fixture
def viewer(client):
    """Sam, who may look at proposals and change none."""
    sam = StaffFactory(first_name="Sam")
    sam.user_permissions.set(Permission.objects.filter(codename="view_proposal"))
    client.force_login(sam)
    return client


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

    page = office.get(url(proposal, "change")).text

    assert "An approval is final: write a new proposal for any change." in page


def test_staff_who_may_only_view_see_the_status_and_no_button(viewer, proposal):
    response = viewer.get(url(proposal, "change"))

    assert "<strong>Status: Sent</strong>" in response.text
    assert response.context["status_panel"].buttons == []
    assert 'id="status-record_decision-form"' not in response.text


def test_sending_a_draft_is_audited(office, staff, proposal):
    in_status(proposal, Status.DRAFT)

    response = office.post(url(proposal, "send"))

    assert response.status_code == 302
    assert response.url == url(proposal, "change")
    assert messages_of(response) == [
        "Proposal PR-2001 is sent: it waits for the customer's decision."
    ]
    proposal.refresh_from_db()
    assert proposal.status == Status.SENT
    assert AuditEntry.objects.get(action="proposal.sent").actor == staff


def test_sending_a_proposal_that_is_not_a_draft_is_refused(office, proposal):
    response = office.post(url(proposal, "send"))

    assert messages_of(response) == ["Proposal PR-2001 is sent, so it can't be sent."]
    assert not AuditEntry.objects.filter(action="proposal.sent").exists()


def test_withdrawing_records_why(office, staff, proposal):
    response = office.post(url(proposal, "withdraw"), {"reason": "The customer moved."})

    assert messages_of(response) == [
        "Proposal PR-2001 is withdrawn: the portal no longer shows it."
    ]
    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN
    entry = AuditEntry.objects.get(action="proposal.withdrawn")
    assert (entry.actor, entry.data) == (staff, {"reason": "The customer moved.", "was": "sent"})


def test_withdrawing_without_a_reason_is_refused(office, proposal):
    response = office.post(url(proposal, "withdraw"), {"reason": ""})

    assert messages_of(response) == ["Say why the proposal is withdrawn."]
    proposal.refresh_from_db()
    assert proposal.status == Status.SENT


def test_reopening_a_declined_proposal_puts_it_before_the_customer_again(
    office, staff, proposal, maria
):
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Status.DECLINED, decided_at=DECIDED_AT, decided_by=maria, decline_reason="Dear."
    )

    response = office.post(url(proposal, "reopen"), {"reason": "New price agreed."})

    assert messages_of(response) == [
        "Proposal PR-2001 is reopened: it is sent again, for the customer's decision."
    ]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at, proposal.decline_reason) == (
        Status.SENT,
        None,
        "",
    )
    entry = AuditEntry.objects.get(action="proposal.reopened")
    assert entry.actor == staff
    assert entry.data["previous"]["decline_reason"] == "Dear."


def test_an_approved_proposal_is_never_reopened(office, proposal):
    in_status(proposal, Status.APPROVED)

    response = office.post(url(proposal, "reopen"), {"reason": "Changed their mind."})

    assert messages_of(response) == [
        "Proposal PR-2001 was approved: an approval is never reopened. "
        "Write a new proposal for the change instead."
    ]
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED


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
        url(proposal, "record_decision"), approval(maria, chosen_items=[mulch.pk])
    )

    assert response.status_code == 302
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
    assert summary in office.get(url(proposal, "change")).text


def test_recording_a_decline_on_paper_keeps_the_reason(office, proposal, maria):
    response = office.post(
        url(proposal, "record_decision"),
        approval(maria, decision="declined", via="paper", reason="Too dear this year."),
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (Status.DECLINED, "Too dear this year.")


def test_a_decline_without_a_reason_is_refused_and_the_form_kept(office, proposal, maria):
    response = office.post(url(proposal, "record_decision"), approval(maria, decision="declined"))

    assert response.status_code == 200
    assert messages_of(response) == ["Say why the customer declined."]
    assert "Say why the customer declined." in response.text
    assert 'value="declined" form="status-record_decision-form" required' in response.text
    assert "<details open>" in response.text
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at) == (Status.SENT, None)


def test_a_decision_form_without_how_is_shown_again_with_what_was_typed(office, proposal, maria):
    response = office.post(
        url(proposal, "record_decision"), approval(maria, via="", signer_name="M. Lopez")
    )

    assert response.status_code == 200
    [record] = [b for b in response.context["status_panel"].buttons if b.form]
    assert record.form.errors == {"via": ["This field is required."]}
    assert 'value="M. Lopez"' in response.text
    proposal.refresh_from_db()
    assert proposal.status == Status.SENT


def test_a_contact_of_another_property_is_not_accepted(office, proposal, maria):
    stranger = ContactFactory()

    response = office.post(url(proposal, "record_decision"), approval(maria, contact=stranger.pk))

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == Status.SENT


def test_a_decision_in_the_future_is_refused(office, proposal, maria):
    later = timezone.localtime() + dt.timedelta(days=2)

    response = office.post(
        url(proposal, "record_decision"),
        approval(maria, decided_at=later.strftime("%Y-%m-%dT%H:%M")),
    )

    assert messages_of(response) == ["The decision can't be dated in the future."]
    proposal.refresh_from_db()
    assert proposal.status == Status.SENT


def test_a_portal_approval_shows_its_signature_name(office, proposal, maria):
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Status.APPROVED,
        decided_via=Proposal.DecidedVia.PORTAL,
        decided_by=maria,
        decided_at=DECIDED_AT,
        signer_name="Maria Lopez",
    )

    page = office.get(url(proposal, "change")).text

    assert (
        "Approved in the portal by Maria Lopez on March 12, 2026, 2:05 PM, signed as “Maria Lopez”"
        in page.replace("&#x201C;", "“").replace("&#x201D;", "”")
    )


BUTTONS = [
    ("send", {}),
    ("withdraw", {"reason": "The customer moved."}),
    ("reopen", {"reason": "New price."}),
    ("record_decision", {"decision": "approved", "via": "phone"}),
]


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_answers_a_get_with_405(office, proposal, action, data):
    assert office.get(url(proposal, action), data).status_code == 405
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_refuses_staff_who_may_not_change_proposals(viewer, proposal, action, data):
    assert viewer.post(url(proposal, action), data).status_code == 403
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_answers_404_for_a_proposal_that_does_not_exist(
    office, proposal, action, data
):
    missing = reverse(f"admin:proposals_proposal_{action}", args=[999999])

    assert office.post(missing, data).status_code == 404
