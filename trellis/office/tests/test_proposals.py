from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.office.tests.forms import form_data
from trellis.proposals.models import Proposal
from trellis.testing.factories import ContactFactory, PropertyFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:proposals_proposal_add")
PROPOSALS = reverse("admin:proposals_proposal_changelist")


def change_url(proposal):
    return reverse("admin:proposals_proposal_change", args=[proposal.pk])


def test_staff_write_a_proposal_with_items_and_optional_items_as_a_draft(office):
    data = form_data(office.get(ADD)) | {
        "number": "PR-2001",
        "title": "Spring clean-up",
        "property": PropertyFactory().pk,
        "status": Proposal.Status.SENT,  # read only: a new proposal is a draft
        "items-TOTAL_FORMS": "2",
        "items-0-description": "Clean-up",
        "items-0-quantity": "1",
        "items-0-unit_price": "100.00",
        "items-1-description": "Mulch",
        "items-1-quantity": "2",
        "items-1-unit_price": "25.00",
        "items-1-optional": "on",
    }

    response = office.post(ADD, data)

    assert response.status_code == 302
    proposal = Proposal.objects.get(number="PR-2001")
    assert proposal.status == Proposal.Status.DRAFT
    assert [(i.position, i.description, i.optional) for i in proposal.items.all()] == [
        (0, "Clean-up", False),
        (1, "Mulch", True),
    ]
    assert proposal.total == Decimal("100.00")


def test_an_item_that_is_not_optional_cannot_be_chosen(office):
    proposal = ProposalFactory()
    url = change_url(proposal)
    data = form_data(office.get(url)) | {"items-0-chosen": "on"}

    response = office.post(url, data)

    assert response.status_code == 200
    assert not proposal.items.get().chosen


def test_the_proposal_list_shows_totals_and_whether_each_is_published(office):
    ProposalFactory(number="PR-1", emailed_at=timezone.now())
    ProposalFactory(number="PR-2")

    response = office.get(PROPOSALS, {"published": "yes"})

    assert [p.number for p in response.context["cl"].result_list] == ["PR-1"]
    assert "100.00" in response.text


def test_a_decided_proposal_is_read_only_in_the_office(office):
    proposal = ProposalFactory(
        status=Proposal.Status.APPROVED,
        decided_at=timezone.now(),
        decided_by=ContactFactory(),
        signer_name="Ann Lee",
    )
    page = office.get(change_url(proposal))
    form = page.context["adminform"].form
    assert "title" not in form.fields and "status" not in form.fields
    assert not page.context["inline_admin_formsets"][0].has_change_permission


def test_approved_cannot_be_chosen_from_the_proposal_form(office):
    proposal = ProposalFactory(status=Proposal.Status.SENT)
    page = office.get(change_url(proposal))
    assert "status" not in page.context["adminform"].form.fields

    response = office.post(
        change_url(proposal), form_data(page) | {"status": Proposal.Status.APPROVED}
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at, proposal.decided_via) == (
        Proposal.Status.SENT,
        None,
        "",
    )
    assert not AuditEntry.objects.filter(action="proposal.approved").exists()


def test_the_proposal_list_shows_how_each_was_decided_and_filters_by_it(office):
    ProposalFactory(number="PR-1", status="approved", decided_via="phone")
    ProposalFactory(number="PR-2", status="approved", decided_via="portal")

    response = office.get(PROPOSALS, {"decided_via__exact": "phone"})

    assert [p.number for p in response.context["cl"].result_list] == ["PR-1"]
    assert "by phone" in response.text


def test_the_proposal_list_offers_no_action_that_changes_a_status(office):
    response = office.get(PROPOSALS)

    assert set(response.context["action_form"].fields["action"].choices) == {
        ("", "---------"),
        ("delete_selected", "Delete selected proposals"),
        ("email_to_customer", "Email to customer"),
    }
    assert not response.context["cl"].list_editable
