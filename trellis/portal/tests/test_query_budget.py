"""Every portal page a signed-in customer opens costs at most eight queries,
and the same number whether they have 5 documents of each kind or 500."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trellis.billing.models import PaymentMethod
from trellis.issues.models import Comment, Issue
from trellis.portal.tests.test_proposals_queries import proposals
from trellis.testing.documents import invoices, property_of

pytestmark = pytest.mark.django_db

BUDGET = 8
PAGES = [
    "/",
    "/invoices/",
    "/invoices/{invoice}/",
    "/proposals/",
    "/proposals/{proposal}/",
    "/requests/",
    "/requests/{request}/",
    "/profile/payment-methods/",
    "/profile/",
]


def documents(contact, count):
    """`count` invoices, proposals and requests (each with two comments) on two of
    the contact's properties, and a saved card: the first of each kind, for the detail pages."""
    home, shop = property_of(contact), property_of(contact)
    made_invoices = invoices(home, count - count // 2) + invoices(shop, count // 2)
    made_proposals = proposals(home, count - count // 2) + proposals(shop, count // 2)
    made_issues = Issue.objects.bulk_create(
        Issue(property=home if n % 2 else shop, subject=f"Request {n}", include_client=True)
        for n in range(count)
    )
    Comment.objects.bulk_create(
        Comment(issue=issue, author_contact=contact, body=f"Comment {c}", is_public=True)
        for issue in made_issues
        for c in range(2)
    )
    PaymentMethod.objects.get_or_create(
        contact=contact,
        processor="sandbox",
        token="card_budget",
        brand=PaymentMethod.Brand.VISA,
        last4="4242",
        exp_month=12,
        exp_year=date.today().year + 2,
    )
    return {
        "invoice": made_invoices[0].pk,
        "proposal": made_proposals[0].pk,
        "request": made_issues[0].pk,
    }


def queries(client, url):
    client.get(url)  # the first request of a session also refreshes the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured


@pytest.mark.parametrize("page", PAGES)
def test_the_page_stays_within_the_budget_at_5_and_at_500_documents(alice_client, alice, page):
    first = documents(alice.contact, 5)
    with_five = queries(alice_client, page.format(**first))
    documents(alice.contact, 495)
    with_500 = queries(alice_client, page.format(**first))
    assert len(with_five) <= BUDGET, "\n".join(q["sql"] for q in with_five)
    assert len(with_500) == len(with_five), "\n".join(q["sql"] for q in with_500)


def test_the_dashboard_counts_and_totals_what_it_lists(alice_client, alice):
    documents(alice.contact, 7)
    response = alice_client.get("/")
    assert response.context["invoices_due_count"] == 7
    assert len(response.context["invoices_due"]) == 5
    assert response.context["balance"] == 700
    assert response.context["proposals_pending_count"] == 7
    assert response.context["requests_pending_count"] == 7
