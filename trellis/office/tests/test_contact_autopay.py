"""The contact's Autopay panel in the office: what is in force and what the
customer agreed to, and staff turning it off (never on)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from trellis.audit.models import AuditEntry
from trellis.autopay.models import Enrollment
from trellis.autopay.tests.world import customer_with_home, turned_on
from trellis.billing.tests.methods import saved_card
from trellis.office.tests.test_contact_page import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria():
    contact, home = customer_with_home(contact__last_name="Lopez")
    card = saved_card(contact, is_default=True)
    return contact, home, card


def page_of(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def turn_off_url(contact, enrollment):
    return reverse(
        "office:contact-autopay-turn-off",
        kwargs={"contact_id": contact.pk, "enrollment_id": enrollment.pk},
    )


def panel(response):
    return response.text.split('id="autopay"')[1].split("\n</div>")[0]


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_panel_shows_each_enrollment_with_its_method_and_what_was_agreed(office, maria):
    contact, home, card = maria
    for_home = turned_on(contact, card, home)
    everywhere = turned_on(contact, card)

    shown = panel(office.get(page_of(contact)))

    home_row = shown.split(f'id="autopay-{for_home.pk}"')[1].split("</tr>")[0]
    assert home.name in home_row and str(card) in home_row
    assert "<details><summary>Agreed to:</summary>" in home_row
    assert escape(for_home.authorisation_text.splitlines()[0]) in home_row
    assert "All properties" in shown.split(f'id="autopay-{everywhere.pk}"')[1].split("</tr>")[0]
    assert turn_off_url(contact, for_home) in home_row


def test_a_contact_without_autopay_is_said_to_have_it_off(office, maria):
    contact, _, _ = maria
    assert "Autopay is off." in panel(office.get(page_of(contact)))


def test_staff_turn_autopay_off_and_it_is_recorded_as_theirs(office, staff, maria):
    contact, home, card = maria
    enrollment = turned_on(contact, card, home)

    response = office.post(turn_off_url(contact, enrollment))

    assert response.status_code == 302
    assert response["Location"] == page_of(contact) + "#autopay"
    enrollment.refresh_from_db()
    assert enrollment.ended_at is not None and enrollment.ended_by_staff == staff
    entry = AuditEntry.objects.get(action="autopay.off")
    assert entry.data["by_staff"] is True
    assert said(response) == [
        f"Autopay turned off for {home.name}. {contact.full_name} can turn it on again in "
        "the portal."
    ]
    assert f'id="autopay-{enrollment.pk}"' not in panel(office.get(page_of(contact)))


def test_autopay_for_all_properties_is_said_so_when_turned_off(office, maria):
    contact, _, card = maria
    enrollment = turned_on(contact, card)

    response = office.post(turn_off_url(contact, enrollment))

    assert said(response)[0].startswith("Autopay turned off for all properties. ")


def test_another_contacts_enrollment_cannot_be_turned_off_through_this_contacts_page(office, maria):
    contact, _, _ = maria
    other, other_home = customer_with_home(contact__last_name="Sands", contact__email="s@e.com")
    theirs = turned_on(other, saved_card(other, is_default=True), other_home)

    response = office.post(turn_off_url(contact, theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.active
    assert not AuditEntry.objects.filter(action="autopay.off").exists()


def test_staff_who_may_not_change_the_contact_see_no_turn_off_and_are_refused(client, maria):
    contact, home, card = maria
    enrollment = turned_on(contact, card, home)
    client.force_login(staff_with("view_contact"))

    shown = panel(client.get(page_of(contact)))

    assert f'id="autopay-{enrollment.pk}"' in shown
    assert turn_off_url(contact, enrollment) not in shown
    assert client.post(turn_off_url(contact, enrollment)).status_code == 403
    assert Enrollment.objects.get(pk=enrollment.pk).active


def test_staff_have_no_way_to_turn_autopay_on(office, maria):
    contact, home, card = maria
    turned_on(contact, card, home)

    shown = panel(office.get(page_of(contact)))

    # The one kind of form the panel has is Turn off.
    actions = re.findall(r'<form method="post" action="([^"]+)"', shown)
    assert actions and all(action.endswith("/turn-off/") for action in actions)
    assert "Turn on" not in shown
