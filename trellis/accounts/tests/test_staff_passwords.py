import io
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.roles import CREW_LEAD
from trellis.accounts.staff import StaffChangeRefused, staff_member_add
from trellis.accounts.staff_passwords import (
    StaffLinkRefused,
    staff_password_link_send,
    staff_password_reset_request,
    staff_password_set,
)
from trellis.accounts.tokens import TokenInvalid, token_find, token_hash
from trellis.audit.models import AuditEntry
from trellis.mail.links import MASK
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory
from trellis.testing.mail import as_received, link_in

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = AccessToken.Purpose.STAFF_PASSWORD
NEW = "a long new password for the office"
LINK = re.compile(r"/office/password/set/([A-Za-z0-9_-]{43})/")


@pytest.fixture
def sam(db):
    """Sam: a crew lead who has signed in before, with a password."""
    return StaffFactory(first_name="Sam", last_name="Reyes", email="sam@greenway.example")


def token_in(email: OutgoingEmail) -> str:
    match = LINK.search(link_in(email))
    assert match is not None
    return match[1]


def add_sam(*, actor):
    return staff_member_add(
        actor=actor,
        email="sam@greenway.example",
        first_name="Sam",
        last_name="Reyes",
        role=CREW_LEAD.name,
    )


def staff_links() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(to_address="sam@greenway.example").order_by("id"))


def test_adding_a_staff_member_emails_them_a_link_for_three_days(staff):
    with time_machine.travel("2026-11-02 09:00Z", tick=False):
        sam = add_sam(actor=staff)
    [email] = staff_links()
    link = AccessToken.objects.get(user=sam)
    assert (link.purpose, link.sent_to, link.created_by, link.email) == (
        STAFF_PASSWORD,
        "sam@greenway.example",
        staff,
        email,
    )
    assert link.contact is None
    assert link.expires_at.isoformat() == "2026-11-05T09:00:00+00:00"
    assert "Jane Smith added you" in email.body_text
    assert "expires in 3 days" in email.body_text
    assert link_in(email).startswith(f"{settings.PUBLIC_BASE_URL}/office/password/set/")


def test_adding_sends_no_link_when_the_add_is_refused(staff, sam):
    with pytest.raises(StaffChangeRefused, match="Someone already signs in"):
        add_sam(actor=staff)
    assert not AccessToken.objects.filter(purpose=STAFF_PASSWORD).exists()


def test_only_the_hash_is_stored_and_the_outbox_keeps_the_link_masked(staff, sam):
    token = staff_password_link_send(user=sam, sent_by=staff)
    email = OutgoingEmail.objects.get(pk=token.email_id)
    raw = token_in(email)

    assert token.token_hash == token_hash(raw) != raw
    assert raw not in email.body_text + email.body_html + email.subject
    assert MASK in email.body_text
    assert raw in as_received(email).html
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert raw not in dump.getvalue()


def test_a_link_to_someone_with_a_password_lasts_as_long_as_a_reset(staff, sam):
    with time_machine.travel("2026-11-02 09:00Z", tick=False):
        token = staff_password_link_send(user=sam, sent_by=staff)
    assert token.expires_at.isoformat() == "2026-11-02T10:00:00+00:00"
    assert "expires in 60 minutes" in token.email.body_text
    assert AuditEntry.objects.get(action="user.password_link_sent").actor == staff


def test_the_link_sets_the_password_once(staff, sam):
    raw = token_in(staff_password_link_send(user=sam, sent_by=staff).email)

    staff_password_set(raw_token=raw, password=NEW)

    sam.refresh_from_db()
    assert sam.check_password(NEW)
    assert AccessToken.objects.get(user=sam).state == AccessToken.State.USED
    assert AuditEntry.objects.get(action="user.password_set").actor == sam
    with pytest.raises(TokenInvalid):
        staff_password_set(raw_token=raw, password="another long new password")


def test_the_link_stops_working_when_it_expires(staff, sam):
    with time_machine.travel("2026-11-02 09:00Z", tick=False):
        raw = token_in(staff_password_link_send(user=sam, sent_by=staff).email)
    with time_machine.travel("2026-11-02 09:59Z", tick=False):
        token_find(raw=raw, purpose=STAFF_PASSWORD)
    with time_machine.travel("2026-11-02 10:00Z", tick=False), pytest.raises(TokenInvalid):
        staff_password_set(raw_token=raw, password=NEW)
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_a_new_link_revokes_the_earlier_one_and_its_waiting_email_forgets_it(staff, sam):
    first = staff_password_link_send(user=sam, sent_by=staff)
    raw = token_in(first.email)
    staff_password_link_send(user=sam, sent_by=staff)

    first.refresh_from_db()
    first.email.refresh_from_db()
    assert first.state == AccessToken.State.REVOKED
    assert first.email.link_secret == ""
    with pytest.raises(TokenInvalid):
        staff_password_set(raw_token=raw, password=NEW)


def test_a_password_that_breaks_a_rule_leaves_the_link_usable(staff, sam):
    raw = token_in(staff_password_link_send(user=sam, sent_by=staff).email)
    with pytest.raises(ValidationError):
        staff_password_set(raw_token=raw, password="short")
    assert token_find(raw=raw, purpose=STAFF_PASSWORD).state == AccessToken.State.PENDING


def test_setting_the_password_ends_every_session_of_the_account(staff, sam):
    browser = Client()
    browser.force_login(sam)
    raw = token_in(staff_password_link_send(user=sam, sent_by=staff).email)

    staff_password_set(raw_token=raw, password=NEW)

    assert browser.get("/office/").status_code == 302


def test_a_link_of_someone_deactivated_since_no_longer_works(staff, sam):
    raw = token_in(staff_password_link_send(user=sam, sent_by=staff).email)
    sam.is_active = False
    sam.save()
    with pytest.raises(TokenInvalid):
        staff_password_set(raw_token=raw, password=NEW)


def test_only_an_active_staff_member_is_sent_a_link(staff, sam, alice):
    sam.is_active = False
    sam.save()
    with pytest.raises(StaffLinkRefused, match="Sam Reyes is deactivated"):
        staff_password_link_send(user=sam, sent_by=staff)
    with pytest.raises(StaffLinkRefused, match="is not a staff member"):
        staff_password_link_send(user=alice, sent_by=staff)
    assert not AccessToken.objects.filter(purpose=STAFF_PASSWORD).exists()


def test_only_who_may_change_staff_sends_a_link(sam):
    clerk = StaffFactory()
    with pytest.raises(PermissionDenied):
        staff_password_link_send(user=sam, sent_by=clerk)
    clerk.user_permissions.add(Permission.objects.get(codename="change_user"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # permissions are cached on the object
    staff_password_link_send(user=sam, sent_by=clerk)


def test_forgot_password_sends_a_link_to_the_stored_address_of_active_staff_only(sam, alice):
    inactive = StaffFactory(email="ann@greenway.example", is_active=False)
    for typed in ["  SAM@Greenway.Example ", "nobody@greenway.example", "alice@example.com"]:
        staff_password_reset_request(email=typed, ip="203.0.113.5")
    staff_password_reset_request(email=inactive.email, ip="203.0.113.5")

    [email] = OutgoingEmail.objects.all()
    assert email.to_address == "sam@greenway.example"
    assert "Someone asked for a link" in email.body_text
    results = AccessAttempt.objects.order_by("id").values_list("email_tried", "side", "result")
    assert list(results) == [
        ("sam@greenway.example", "office", AccessAttempt.Result.RESET_SENT),
        ("nobody@greenway.example", "office", AccessAttempt.Result.NO_ACCOUNT),
        ("alice@example.com", "office", AccessAttempt.Result.NO_ACCOUNT),
        ("ann@greenway.example", "office", AccessAttempt.Result.NO_ACCOUNT),
    ]


def test_forgot_password_answers_the_same_for_every_email(sam):
    answers = [
        staff_password_reset_request(email=email, ip="203.0.113.5")
        for email in ["sam@greenway.example", "nobody@greenway.example"]
    ]
    assert answers == [None, None]


def test_forgot_password_is_throttled_in_the_portals_buckets(sam):
    for _ in range(4):
        staff_password_reset_request(email="sam@greenway.example", ip="203.0.113.5")
    assert OutgoingEmail.objects.count() == 3
    assert AccessAttempt.objects.filter(result=AccessAttempt.Result.THROTTLED).count() == 1


@pytest.mark.parametrize("owners", ["both", "neither", "a contact"])
def test_a_staff_link_belongs_to_one_staff_member_and_nothing_else(sam, alice, owners):
    fields = {
        "both": {"user": sam, "contact": alice.contact},
        "neither": {},
        "a contact": {"contact": alice.contact},
    }[owners]
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessToken.objects.create(
            purpose=STAFF_PASSWORD,
            token_hash="0" * 64,
            sent_to="sam@greenway.example",
            expires_at=timezone.now(),
            **fields,
        )


def test_a_contacts_link_cannot_belong_to_a_staff_member(sam):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessToken.objects.create(
            purpose=AccessToken.Purpose.PASSWORD_RESET,
            user=sam,
            token_hash="0" * 64,
            sent_to="sam@greenway.example",
            expires_at=timezone.now(),
        )
