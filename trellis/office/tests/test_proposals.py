"""Proposals in the raw-data admin (superusers only): their rows as stored, to
read. Nothing there changes a proposal, its items or its decision: that is the
services' (trellis/proposals), through the office's proposal pages and the portal."""

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.proposals.models import Proposal
from trellis.testing.factories import ContactFactory, ProposalFactory

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("admin:proposals_proposal_changelist")


def change_url(proposal):
    return reverse("admin:proposals_proposal_change", args=[proposal.pk])


@pytest.fixture
def raw_data(client, staff):
    """Jane, a superuser, in the raw-data admin."""
    client.force_login(staff)
    return client


def test_a_superuser_reads_a_decided_proposal_with_its_items(raw_data):
    proposal = ProposalFactory(
        number="PR-2001",
        status=Proposal.Status.APPROVED,
        decided_at=timezone.now(),
        decided_by=ContactFactory(),
        signer_name="Ann Lee",
    )

    response = raw_data.get(change_url(proposal))

    assert response.status_code == 200
    assert "PR-2001" in response.text and "Ann Lee" in response.text
    assert 'type="submit" value="Save"' not in response.text


def test_an_approval_posted_to_the_raw_data_page_changes_nothing(raw_data):
    proposal = ProposalFactory(status=Proposal.Status.SENT)
    item = proposal.items.get()

    response = raw_data.post(
        change_url(proposal),
        {"status": Proposal.Status.APPROVED, "items-0-id": item.pk, "items-0-chosen": "on"},
    )

    assert response.status_code == 403
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at, proposal.decided_via) == (
        Proposal.Status.SENT,
        None,
        "",
    )
    assert not proposal.items.get().chosen
    assert not AuditEntry.objects.filter(action="proposal.approved").exists()


def test_proposals_are_not_added_in_the_raw_data_admin(raw_data):
    assert raw_data.get(reverse("admin:proposals_proposal_add")).status_code == 403


def test_the_proposal_list_offers_no_action_and_no_field_to_edit(raw_data):
    ProposalFactory()

    response = raw_data.get(PROPOSALS)

    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert not response.context["cl"].list_editable
