"""Marking items done, and the emails staff chose: at once or in the daily digest."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.company.models import Company
from trellis.inbox.models import InboxItem
from trellis.inbox.selectors import inbox_counts, inbox_items, inbox_page
from trellis.inbox.services import (
    InboxItemRefused,
    inbox_item_add,
    inbox_item_mark_done,
    inbox_item_mark_undone,
    notification_preferences_set,
)
from trellis.issues.services import request_open
from trellis.mail.models import OutgoingEmail
from trellis.testing.documents import property_of
from trellis.testing.factories import ContactFactory, StaffFactory

pytestmark = pytest.mark.django_db

Kind = InboxItem.Kind
IMMEDIATELY, DIGEST = "immediately", "digest"


@pytest.fixture
def omar(db):
    return StaffFactory(email="omar@greenway.example", first_name="Omar", last_name="Haddad")


def notifications():
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.NOTIFICATION)


def test_marking_done_records_who_and_when_and_is_audited(staff, time_machine):
    moment = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    time_machine.move_to(moment, tick=False)
    item = inbox_item_add(kind=Kind.PAYMENT_RECEIVED, data={"amount": "10.00"})

    inbox_item_mark_done(item_id=item.pk, by=staff)

    item.refresh_from_db()
    assert (item.done_at, item.done_by) == (moment, staff)
    entry = AuditEntry.objects.get(action="inbox.item_done")
    assert (entry.actor, entry.target_id) == (staff, str(item.pk))


def test_marking_done_twice_keeps_who_did_it_first(staff, omar):
    item = inbox_item_add(kind=Kind.PAYMENT_RECEIVED)
    inbox_item_mark_done(item_id=item.pk, by=staff)
    inbox_item_mark_done(item_id=item.pk, by=omar)

    item.refresh_from_db()
    assert item.done_by == staff
    assert AuditEntry.objects.filter(action="inbox.item_done").count() == 1


def test_an_item_marked_done_by_mistake_is_open_again(staff):
    item = inbox_item_add(kind=Kind.PAYMENT_RECEIVED)
    inbox_item_mark_done(item_id=item.pk, by=staff)

    inbox_item_mark_undone(item_id=item.pk, by=staff)

    item.refresh_from_db()
    assert (item.done_at, item.done_by) == (None, None)
    assert AuditEntry.objects.filter(action="inbox.item_undone", actor=staff).exists()


def test_sign_in_trouble_is_not_opened_again_beside_a_newer_open_item(staff, charlie):
    older = inbox_item_add(kind=Kind.SIGN_IN_TROUBLE, contact=charlie)
    inbox_item_mark_done(item_id=older.pk, by=staff)
    inbox_item_add(kind=Kind.SIGN_IN_TROUBLE, contact=charlie)

    with pytest.raises(InboxItemRefused):
        inbox_item_mark_undone(item_id=older.pk, by=staff)


def test_the_list_filters_by_kind_and_property_and_counts_each_kind(staff, charlie):
    home, other = property_of(charlie), property_of(charlie)
    for kind, prop in [
        (Kind.REQUEST_OPENED, home),
        (Kind.REQUEST_OPENED, other),
        (Kind.PAYMENT_FAILED, home),
        (Kind.PAYMENT_RECEIVED, home),
    ]:
        inbox_item_add(kind=kind, property=prop)
    done = inbox_item_add(kind=Kind.PAYMENT_RECEIVED, property=home)
    inbox_item_mark_done(item_id=done.pk, by=staff)

    assert inbox_counts() == {
        Kind.REQUEST_OPENED: 2,
        Kind.PAYMENT_FAILED: 1,
        Kind.PAYMENT_RECEIVED: 1,
    }
    assert inbox_counts(property_id=other.pk) == {Kind.REQUEST_OPENED: 1}
    assert inbox_counts(state="done") == {Kind.PAYMENT_RECEIVED: 1}
    assert inbox_items(kind=Kind.REQUEST_OPENED, property_id=home.pk).count() == 1
    assert list(inbox_items(state="done")) == [done]


def test_the_list_is_newest_first_in_pages(time_machine):
    start = timezone.now()
    for minutes in range(5):
        time_machine.move_to(start + dt.timedelta(minutes=minutes), tick=False)
        inbox_item_add(kind=Kind.PAYMENT_RECEIVED, data={"n": minutes})

    first = inbox_page(counts=inbox_counts(), per_page=2)
    last = inbox_page(counts=inbox_counts(), per_page=2, number=3)

    assert [i.data["n"] for i in first.items] == [4, 3]
    assert (first.num_pages, first.has_next, first.has_previous) == (3, True, False)
    assert [i.data["n"] for i in last.items] == [0]
    assert not last.has_next


def test_staff_who_chose_at_once_get_one_email_as_the_item_is_added(staff, omar):
    notification_preferences_set(user=staff, deliveries={Kind.REQUEST_OPENED: IMMEDIATELY})
    notification_preferences_set(user=omar, deliveries={Kind.REQUEST_OPENED: DIGEST})
    alice = ContactFactory(first_name="Alice", last_name="Arnold")
    home = property_of(alice)

    request_open(contact=alice, property=home, subject="Broken gate", description="", photos=[])

    email = notifications().get()
    assert email.to_address == "jane@greenway.example"
    assert email.subject == "New request from Alice Arnold: Broken gate"
    assert "/office/requests/" in email.body_text


def test_the_companys_address_and_a_staff_member_with_the_same_address_get_one_email(staff):
    company = Company.load()
    company.staff_notification_email = "JANE@greenway.example"
    company.save()
    notification_preferences_set(user=staff, deliveries={Kind.PROPOSAL_DECLINED: IMMEDIATELY})

    inbox_item_add(kind=Kind.PROPOSAL_DECLINED, data={"reason": "Too dear"})

    assert notifications().count() == 1


def test_an_item_no_one_asked_for_emails_no_one(staff):
    notification_preferences_set(user=staff, deliveries={Kind.PAYMENT_FAILED: IMMEDIATELY})

    inbox_item_add(kind=Kind.PAYMENT_RECEIVED, data={"amount": "10.00"})

    assert not notifications().exists()


def test_an_event_of_its_own_words_uses_the_inbox_wording_otherwise(staff):
    notification_preferences_set(user=staff, deliveries={Kind.PAYMENT_FAILED: IMMEDIATELY})

    inbox_item_add(kind=Kind.PAYMENT_FAILED, data={"amount": "30.00", "reason": "Declined"})

    email = notifications().get()
    assert email.subject == "A customer's payment of 30.00 failed"
    assert "The processor's reason: Declined" in email.body_text


def test_the_digest_sends_one_email_per_staff_member_with_new_items_and_none_to_others(
    staff, omar, time_machine
):
    notification_preferences_set(
        user=staff, deliveries={Kind.REQUEST_OPENED: DIGEST, Kind.PAYMENT_FAILED: DIGEST}
    )
    notification_preferences_set(user=omar, deliveries={Kind.EMAIL_FAILED: DIGEST})
    StaffFactory(email="sam@greenway.example")  # chose nothing
    inbox_item_add(kind=Kind.REQUEST_OPENED, data={"subject": "Broken gate"})
    inbox_item_add(kind=Kind.PAYMENT_FAILED, data={"amount": "30.00"})
    inbox_item_add(kind=Kind.PAYMENT_RECEIVED)  # not in anyone's digest

    call_command("inbox_digest", stdout=StringIO())

    email = notifications().get()
    assert email.to_address == "jane@greenway.example"
    assert email.subject == "Your inbox: 2 new items"
    assert "A customer opened a request: “Broken gate”" in email.body_text


def test_the_next_digest_tells_only_of_items_added_since_and_still_open(staff, time_machine):
    notification_preferences_set(user=staff, deliveries={Kind.REQUEST_OPENED: DIGEST})
    start = timezone.now()
    inbox_item_add(kind=Kind.REQUEST_OPENED, data={"subject": "Told yesterday"})
    call_command("inbox_digest", stdout=StringIO())

    time_machine.move_to(start + dt.timedelta(days=1), tick=False)
    done = inbox_item_add(kind=Kind.REQUEST_OPENED, data={"subject": "Dealt with"})
    inbox_item_mark_done(item_id=done.pk, by=staff)
    inbox_item_add(kind=Kind.REQUEST_OPENED, data={"subject": "New today"})
    call_command("inbox_digest", stdout=StringIO())

    latest = notifications().order_by("-id").first()
    assert notifications().count() == 2
    assert "New today" in latest.body_text
    assert "Told yesterday" not in latest.body_text
    assert "Dealt with" not in latest.body_text
