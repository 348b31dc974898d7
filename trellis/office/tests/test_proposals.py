from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.office.tests.forms import form_data
from trellis.proposals.models import Proposal
from trellis.testing.factories import PropertyFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:proposals_proposal_add")
PROPOSALS = reverse("admin:proposals_proposal_changelist")


def test_staff_write_a_proposal_with_items_and_optional_items(office):
    data = form_data(office.get(ADD)) | {
        "number": "PR-2001",
        "title": "Spring clean-up",
        "property": PropertyFactory().pk,
        "status": Proposal.Status.DRAFT,
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
    assert [(i.position, i.description, i.optional) for i in proposal.items.all()] == [
        (0, "Clean-up", False),
        (1, "Mulch", True),
    ]
    assert proposal.total == Decimal("100.00")


def test_an_item_that_is_not_optional_cannot_be_chosen(office):
    proposal = ProposalFactory()
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
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
    from django.utils import timezone

    from trellis.testing.factories import ContactFactory, ProposalFactory

    proposal = ProposalFactory(
        status="approved",
        decided_at=timezone.now(),
        decided_by=ContactFactory(),
        signer_name="Ann Lee",
    )
    page = office.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    form = page.context["adminform"].form
    assert "title" not in form.fields and "status" not in form.fields
    assert not page.context["inline_admin_formsets"][0].has_change_permission
