"""The office's home: the inbox, its filters and counts, marking done, and each
staff member's email choices."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem, NotificationPreference
from trellis.inbox.services import inbox_item_add
from trellis.testing.documents import property_of
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    IssueFactory,
    ProposalFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

Kind = InboxItem.Kind
HOME = reverse("office:home")
MARK = reverse("office:inbox-mark")
PREFERENCES = reverse("office:inbox-preferences")


@pytest.fixture
def sam(db):
    """Sam: staff with no permission on the inbox."""
    return StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")


def items_of_every_kind(count: int) -> None:
    """`count` items, of every kind in turn, each about its own objects."""
    contact = ContactFactory(first_name="Alice", last_name="Arnold")
    prop = property_of(contact)
    proposal = ProposalFactory(property=prop)
    invoice = InvoiceFactory(property=prop)
    issue = IssueFactory(property=prop)
    kinds = list(Kind)
    # A contact has one open sign-in trouble item at most: each its own contact.
    troubled = iter(
        Contact.objects.bulk_create(
            Contact(first_name="Kevin", last_name=f"Walsh {n}", email=f"k{n}@example.com")
            for n in range(count // len(kinds) + 1)
        )
    )
    InboxItem.objects.bulk_create(
        InboxItem(
            kind=kinds[n % len(kinds)],
            property=prop,
            contact=next(troubled) if kinds[n % len(kinds)] == Kind.SIGN_IN_TROUBLE else contact,
            proposal=proposal if n % 3 == 0 else None,
            invoice=invoice if n % 3 == 1 else None,
            issue=issue if n % 3 == 2 else None,
            data={"amount": "10.00", "chosen": ["Lime"], "tried": "a@example.com"},
        )
        for n in range(count)
    )


def test_the_office_home_is_the_inbox(office):
    item = inbox_item_add(
        kind=Kind.PROPOSAL_DECLINED,
        contact=ContactFactory(first_name="Sarah", last_name="Mitchell-Hayes"),
        proposal=ProposalFactory(number="PR-5002"),
        data={"reason": "We are moving in May."},
    )

    page = office.get(HOME).content.decode()

    assert "Sarah Mitchell-Hayes declined proposal PR-5002" in page
    assert "Reason given: We are moving in May." in page
    assert reverse("office:proposal", kwargs={"proposal_id": item.proposal_id}) in page
    assert reverse("office:contacts") in page  # the areas, in the main navigation


def test_the_inbox_filters_by_kind_and_property_and_counts_each_kind(office):
    alice = ContactFactory(first_name="Alice", last_name="Arnold")
    home, other = property_of(alice, name="Arnold residence"), property_of(alice)
    inbox_item_add(kind=Kind.REQUEST_OPENED, property=home, data={"subject": "Gate"})
    inbox_item_add(kind=Kind.REQUEST_OPENED, property=other, data={"subject": "Hedge"})
    inbox_item_add(kind=Kind.PAYMENT_RECEIVED, property=home, data={"amount": "40.00"})

    everything = office.get(HOME).content.decode()
    requests = office.get(HOME, {"kind": Kind.REQUEST_OPENED}).content.decode()
    at_home = office.get(HOME, {"property": home.pk}).content.decode()

    assert "All (3)" in everything
    assert "New request (2)" in everything
    assert "Payment received (1)" in everything
    assert "Hedge" in requests and "paid 40.00" not in requests
    assert "Gate" in at_home and "Hedge" not in at_home
    assert "Arnold residence" in at_home


def test_the_inbox_is_paginated_newest_first(office):
    items_of_every_kind(30)
    newest = InboxItem.objects.order_by("-created_at", "-id").first()
    oldest = InboxItem.objects.order_by("created_at", "id").first()

    first = office.get(HOME).content.decode()
    second = office.get(HOME, {"page": 2}).content.decode()

    assert f'id="inbox-item-{newest.pk}"' in first
    assert f'id="inbox-item-{oldest.pk}"' not in first
    assert f'id="inbox-item-{oldest.pk}"' in second
    assert "Page 2 of 2" in second


def queries_of_home(office) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert office.get(HOME).status_code == 200
    return [q["sql"] for q in queries]


def test_the_inbox_runs_the_same_few_queries_for_5_and_500_items(office):
    items_of_every_kind(5)
    office.get(HOME)  # the session's first read is not the page's
    with_5 = queries_of_home(office)
    items_of_every_kind(495)
    with_500 = queries_of_home(office)

    assert len(with_5) < 10, with_5
    assert len(with_500) == len(with_5), with_500


def test_a_filtered_page_runs_as_few_queries(office):
    items_of_every_kind(50)
    prop = InboxItem.objects.first().property
    office.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        office.get(HOME, {"kind": Kind.PAYMENT_FAILED, "property": prop.pk, "page": 2})
    assert len(queries) < 10, [q["sql"] for q in queries]


def test_marking_done_records_who_and_when_and_leaves_the_open_list(office, staff):
    item = inbox_item_add(kind=Kind.PAYMENT_RECEIVED, data={"amount": "40.00"})

    response = office.post(MARK, {"item": item.pk, "done": "1", "next": f"{HOME}?kind=x"})

    assert response.status_code == 302
    assert response.url == f"{HOME}?kind=x"
    item.refresh_from_db()
    assert item.done_by == staff
    assert item.done_at is not None
    assert f'id="inbox-item-{item.pk}"' not in office.get(HOME).content.decode()
    done = office.get(HOME, {"state": "done"}).content.decode()
    assert f'id="inbox-item-{item.pk}"' in done
    assert "Done by" in done


def test_an_item_marked_done_is_opened_again(office):
    item = inbox_item_add(kind=Kind.PAYMENT_RECEIVED)
    item.done_at = timezone.now()
    item.save()

    office.post(MARK, {"item": item.pk, "done": "0"})

    item.refresh_from_db()
    assert item.done_at is None


def test_marking_is_a_post_and_an_unknown_item_is_not_found(office):
    assert office.get(MARK).status_code == 405
    assert office.post(MARK, {"item": "999999", "done": "1"}).status_code == 404


def test_staff_without_the_inbox_permission_see_their_records_but_not_the_inbox(client, sam):
    inbox_item_add(kind=Kind.PAYMENT_RECEIVED, data={"amount": "40.00"})
    client.force_login(sam)

    page = client.get(HOME)

    assert page.status_code == 200
    assert "paid 40.00" not in page.content.decode()
    item = InboxItem.objects.get()
    assert client.post(MARK, {"item": item.pk, "done": "1"}).status_code == 403
    assert client.get(PREFERENCES).status_code == 403
    item.refresh_from_db()
    assert item.done_at is None


def test_staff_who_may_view_but_not_change_see_no_mark_done_button(client, sam):
    sam.user_permissions.set(Permission.objects.filter(codename="view_inboxitem"))
    inbox_item_add(kind=Kind.PAYMENT_RECEIVED, data={"amount": "40.00"})
    client.force_login(sam)

    page = client.get(HOME).content.decode()

    assert "paid 40.00" in page
    assert "Mark done" not in page


def test_visitors_and_customers_are_sent_to_the_office_sign_in(client, alice):
    sign_in = reverse("office:sign-in")
    assert client.get(HOME).url.startswith(sign_in)
    client.force_login(alice)
    assert client.get(HOME).url.startswith(sign_in)
    assert client.post(MARK, {"item": "1"}).url.startswith(sign_in)


def test_a_staff_member_chooses_which_items_also_reach_them_by_email(office, staff):
    choices = {kind: "none" for kind in Kind.values}
    choices |= {Kind.PROPOSAL_APPROVED: "immediately", Kind.EMAIL_FAILED: "digest"}

    response = office.post(PREFERENCES, choices)

    assert response.status_code == 302
    chosen = dict(
        NotificationPreference.objects.filter(user=staff)
        .exclude(delivery="none")
        .values_list("kind", "delivery")
    )
    assert chosen == {Kind.PROPOSAL_APPROVED: "immediately", Kind.EMAIL_FAILED: "digest"}
    page = office.get(PREFERENCES).content.decode()
    assert '<option value="immediately" selected>' in page
