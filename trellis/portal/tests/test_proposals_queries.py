"""The proposal pages cost the same number of queries however long the
customer's history is, and however many items a proposal has."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trellis.proposals.models import Proposal, ProposalItem
from trellis.testing.documents import property_of

pytestmark = pytest.mark.django_db


def proposals(prop, count, *, status=Proposal.Status.SENT, items=3):
    """`count` published proposals on the property, each with `items` items (one optional)."""
    start = Proposal.objects.count()
    made = Proposal.objects.bulk_create(
        Proposal(
            property=prop,
            number=f"Q-{start + n:06d}",
            title=f"Proposal {n}",
            status=status,
            emailed_at=timezone.now(),
            decided_at=timezone.now() if status != Proposal.Status.SENT else None,
        )
        for n in range(count)
    )
    ProposalItem.objects.bulk_create(
        ProposalItem(
            proposal=proposal,
            position=p,
            description=f"Item {p}",
            unit_price=Decimal(25),
            optional=p == 0,
        )
        for proposal in made
        for p in range(items)
    )
    return made


def queries(client, url):
    client.get(url)  # the first request of a session also refreshes the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url", ["/proposals/", "/proposals/?status=approved", "/proposals/?status=declined&page=2"]
)
def test_the_lists_run_as_many_queries_for_500_proposals_as_for_5(alice_client, alice, url):
    home = property_of(alice.contact)
    for status in [Proposal.Status.SENT, Proposal.Status.APPROVED, Proposal.Status.DECLINED]:
        proposals(home, 5, status=status)
    with_five = queries(alice_client, url.replace("page=2", "page=1"))
    for status in [Proposal.Status.SENT, Proposal.Status.APPROVED, Proposal.Status.DECLINED]:
        proposals(home, 495, status=status, items=3)
    assert queries(alice_client, url) == with_five


@pytest.mark.parametrize("status", [Proposal.Status.SENT, Proposal.Status.APPROVED])
def test_the_detail_runs_as_many_queries_for_50_items_as_for_5(alice_client, alice, status):
    home = property_of(alice.contact)
    [few] = proposals(home, 1, status=status, items=5)
    [many] = proposals(home, 1, status=status, items=50)
    assert queries(alice_client, f"/proposals/{few.pk}/") == queries(
        alice_client, f"/proposals/{many.pk}/"
    )
