"""The office's proposals list and a proposal's page."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from trellis.customers.models import PropertyContact
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.proposals.models import Proposal, ProposalItem
from trellis.testing.factories import (
    ContactFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("office:proposals")
Status = Proposal.Status


def page_of(proposal):
    return reverse("office:proposal", args=[proposal.pk])


def numbers(response):
    return [row.document.number for row in response.context["rows"]]


@pytest.fixture
def oak():
    return PropertyFactory(name="Oak Street")


@pytest.fixture
def maria(oak):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    PropertyContactFactory(property=oak, contact=maria, role=PropertyContact.Role.PRIMARY)
    return maria


def test_the_list_shows_number_property_status_total_and_publishing(office, oak):
    ProposalFactory(
        number="PR-5001",
        property=oak,
        printed_at=timezone.now(),
        items=[
            {"description": "Clean-up", "unit_price": Decimal("250.00")},
            {"description": "Mulch", "unit_price": Decimal("40.00"), "optional": True},
        ],
    )

    response = office.get(LIST)

    assert response.status_code == 200
    row = response.text.split('data-proposal="')[1].split("</tr>")[0]
    assert "PR-5001" in row and "Oak Street" in row and "Sent" in row
    assert "250.00" in row  # the optional item not chosen does not count
    assert "Printed" in row and "Yes" in row


def test_the_list_filters_by_status_property_publishing_and_number(office, oak):
    ProposalFactory(number="PR-1001", property=oak, status=Status.DRAFT)
    ProposalFactory(number="PR-1002", property=oak, emailed_at=timezone.now())
    ProposalFactory(number="PR-2001")

    assert numbers(office.get(LIST, {"status": "draft"})) == ["PR-1001"]
    assert sorted(numbers(office.get(LIST, {"property": oak.pk}))) == ["PR-1001", "PR-1002"]
    assert numbers(office.get(LIST, {"published": "yes"})) == ["PR-1002"]
    assert sorted(numbers(office.get(LIST, {"published": "no"}))) == ["PR-1001", "PR-2001"]
    assert sorted(numbers(office.get(LIST, {"q": "pr-10"}))) == ["PR-1001", "PR-1002"]
    assert numbers(office.get(LIST, {"q": "PR-2001", "status": "draft"})) == []


def test_the_list_ignores_a_status_it_does_not_know(office):
    ProposalFactory(number="PR-1001")

    assert numbers(office.get(LIST, {"status": "lost", "property": "x"})) == ["PR-1001"]


def test_the_list_is_paginated_newest_first(office):
    for n in range(51):
        ProposalFactory(number=f"PR-{n:04d}")

    first = office.get(LIST)
    second = office.get(LIST, {"page": 2})

    assert len(numbers(first)) == 50 and numbers(first)[0] == "PR-0050"
    assert numbers(second) == ["PR-0000"]


def test_the_list_runs_as_many_queries_for_500_proposals_as_for_5(office, greenway):
    prop = PropertyFactory()

    def add(n):
        start = Proposal.objects.count()
        proposals = Proposal.objects.bulk_create(
            Proposal(property=prop, number=f"PR-{start + i:05d}", title="Clean-up")
            for i in range(n)
        )
        ProposalItem.objects.bulk_create(
            ProposalItem(proposal=p, description="Clean-up", unit_price=Decimal("10.00"))
            for p in proposals
        )

    assert assert_queries_do_not_grow(office, LIST, add_rows=add) <= 10


def test_staff_who_may_not_see_proposals_are_refused(client):
    client.force_login(StaffFactory())

    assert client.get(LIST).status_code == 403


def test_the_page_shows_the_items_their_total_status_and_property(office, oak):
    proposal = ProposalFactory(
        number="PR-5001",
        title="Spring clean-up",
        property=oak,
        status=Status.DRAFT,
        items=[
            {"description": "Clean-up", "unit_price": Decimal("250.00")},
            {"description": "Mulch", "unit_price": Decimal("40.00"), "optional": True},
        ],
    )

    response = office.get(page_of(proposal))

    assert response.status_code == 200
    assert "Clean-up" in response.text and "Mulch" in response.text
    assert "<strong>250.00</strong>" in response.text.split('id="proposal-total"')[1][:40]
    assert response.context["status_panel"].status == "Draft"
    assert [b.name for b in response.context["status_panel"].buttons] == ["send", "withdraw"]
    assert response.context["property_url"] in response.text
    assert "Not decided." in response.text


def test_the_page_of_an_approval_says_who_when_how_which_items_and_the_signature(
    office, oak, maria, staff
):
    proposal = ProposalFactory(
        property=oak,
        status=Status.APPROVED,
        decided_via=Proposal.DecidedVia.PHONE,
        decided_by=maria,
        decided_at=timezone.now(),
        decision_recorded_by=staff,
        signer_name="Maria Lopez",
        signature_png=b"\x89PNG fake",
        items=[
            {"description": "Clean-up", "unit_price": Decimal("250.00")},
            {"description": "Mulch", "unit_price": Decimal("40.00"), "optional": True},
        ],
    )
    proposal.items.filter(optional=True).update(chosen=True)

    response = office.get(page_of(proposal))

    decision = response.text.split('id="proposal-decision"')[1].split("</section>")[0]
    assert "Approved by phone by Maria Lopez" in decision
    assert "recorded by Jane Smith" in decision
    assert "Mulch (40.00)" in decision.split('id="decision-chosen"')[1]
    assert "Signed as “Maria Lopez”" in decision
    assert 'src="data:image/png;base64,' in decision
    assert "290.00" in response.text  # the chosen item counts


def test_the_page_of_a_decline_shows_the_reason(office, oak, maria):
    proposal = ProposalFactory(
        property=oak,
        status=Status.DECLINED,
        decided_via=Proposal.DecidedVia.PORTAL,
        decided_by=maria,
        decided_at=timezone.now(),
        decline_reason="Too expensive this year.",
    )

    response = office.get(page_of(proposal))

    assert "Too expensive this year." in response.text.split('id="decision-reason"')[1]
    assert [b.name for b in response.context["status_panel"].buttons] == ["reopen"]


def test_the_page_says_who_sees_it_one_answer_per_contact(office, oak, maria):
    proposal = ProposalFactory(property=oak)

    response = office.get(page_of(proposal))

    ((row, url),) = response.context["who_sees_this"]
    assert row.contact == maria
    assert response.text.count(f'data-contact="{maria.pk}"') == 1
    assert url in response.text and row.troubleshoot_url in response.text


def test_staff_who_may_only_view_proposals_get_no_buttons(client, oak):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_proposal"))
    client.force_login(viewer)
    proposal = ProposalFactory(property=oak)

    response = client.get(page_of(proposal))

    assert response.status_code == 200
    assert response.context["status_panel"].buttons == []
    assert not response.context["publishing"].offer_print
    assert reverse("office:proposal-print", args=[proposal.pk]) not in response.text


def test_a_missing_proposal_is_not_found(office):
    assert office.get(reverse("office:proposal", args=[987654])).status_code == 404


def test_the_page_runs_as_many_queries_for_500_items_as_for_5(office, greenway, oak, maria):
    proposal = ProposalFactory(property=oak)

    def add(n):
        ProposalItem.objects.bulk_create(
            ProposalItem(
                proposal=proposal,
                description=f"Item {i}",
                unit_price=Decimal("10.00"),
                optional=i % 2 == 0,
            )
            for i in range(n)
        )

    assert assert_queries_do_not_grow(office, page_of(proposal), add_rows=add) <= 15
