"""The office writes a date and time one way (trellis/formats/en/formats.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, translation

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.mail.models import OutgoingEmail

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 3, 2, 21, 30, tzinfo=dt.UTC)
WRITTEN = "March 2, 2026, 9:30 PM"
# Django's own English formats, long and short, and the ISO form pages used to mix in.
OTHER_WAYS = ["Mar. 2, 2026", "9:30 p.m.", "03/02/2026", "2026-03-02 21:30"]


def assert_written_one_way(text):
    assert WRITTEN in text
    for other in OTHER_WAYS:
        assert other not in text


def test_english_dates_have_one_long_and_short_form():
    with translation.override("en"):
        assert formats.date_format(WHEN, "DATETIME_FORMAT") == WRITTEN
        assert formats.date_format(WHEN, "SHORT_DATETIME_FORMAT") == WRITTEN
        assert formats.date_format(WHEN.date(), "SHORT_DATE_FORMAT") == "March 2, 2026"


def test_the_contact_page_writes_its_dates_one_way(office, staff, alice):
    alice.date_joined = WHEN
    alice.last_login = WHEN
    alice.save()

    response = office.get(reverse("office:contact", kwargs={"contact_id": alice.contact.pk}))

    assert_written_one_way(response.text)


def test_the_invitations_on_a_contact_page_are_dated_the_same_way(office, staff, charlie):
    invitation = contact_invite(contact=charlie, invited_by=staff)
    AccessToken.objects.filter(pk=invitation.pk).update(created_at=WHEN)

    response = office.get(reverse("office:contact", kwargs={"contact_id": charlie.pk}))

    assert_written_one_way(response.text)


def test_the_contacts_list_writes_its_dates_one_way(office, alice):
    alice.last_login = WHEN
    alice.save()

    response = office.get(reverse("office:contacts"), {"name": "Alice"})

    assert_written_one_way(response.text)


def test_the_email_list_writes_its_dates_one_way(office, staff, charlie):
    invitation = contact_invite(contact=charlie, invited_by=staff)
    OutgoingEmail.objects.filter(pk=invitation.email_id).update(created_at=WHEN)

    response = office.get(reverse("office:emails"))

    assert_written_one_way(response.text)
