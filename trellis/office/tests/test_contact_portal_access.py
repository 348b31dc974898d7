"""Turning a customer's portal account off from their page, and on again."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.testing.factories import ContactFactory, StaffFactory

pytestmark = pytest.mark.django_db


def page_of(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def toggle(contact):
    return reverse("office:contact-portal-access", kwargs={"contact_id": contact.pk})


def said(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_turning_portal_access_off_ends_the_customers_sessions_and_is_audited(office, alice):
    customer = Client()
    customer.force_login(alice)
    assert customer.get("/").status_code == 200

    response = office.post(toggle(alice.contact), {"active": "off"})

    assert response["Location"] == page_of(alice.contact)
    assert said(response) == [
        "Alice Arnold can no longer sign in to the portal: every place they were signed "
        "in has ended."
    ]
    assert not User.objects.get(pk=alice.pk).is_active
    assert customer.get("/").url.startswith("/sign-in/")
    entry = AuditEntry.objects.get(action="account.deactivated")
    assert (entry.actor.email, entry.target_id) == ("jane@greenway.example", str(alice.contact.pk))


def test_the_page_offers_to_turn_it_back_on_and_the_customer_signs_in_again(office, alice):
    office.post(toggle(alice.contact), {"active": "off"})

    page = office.get(page_of(alice.contact)).text
    assert "Portal access is off: Alice Arnold cannot sign in." in page
    assert "Turn portal access back on" in page
    assert "Send password reset" not in page  # a reset would not let them in

    office.post(toggle(alice.contact), {"active": "on"})

    assert User.objects.get(pk=alice.pk).is_active
    assert AuditEntry.objects.filter(action="account.reactivated").count() == 1
    assert "Turn off portal access" in office.get(page_of(alice.contact)).text


def test_asking_for_what_already_is_changes_nothing_and_says_so(office, alice):
    response = office.post(toggle(alice.contact), {"active": "on"})

    assert said(response) == ["Alice Arnold's portal access is already on."]
    assert not AuditEntry.objects.filter(action__startswith="account.").exists()


def test_a_contact_without_an_account_has_nothing_to_turn_off(office):
    contact = ContactFactory(first_name="Dana", last_name="Ortiz")

    response = office.post(toggle(contact), {"active": "off"})

    assert said(response) == ["Dana Ortiz has no portal account."]
    assert "Turn off portal access" not in office.get(page_of(contact)).text


def test_staff_who_may_not_manage_portal_access_see_no_button_and_are_refused(client, alice):
    clerk = StaffFactory(email="sam@greenway.example")
    clerk.user_permissions.set(Permission.objects.filter(codename="view_contact"))
    client.force_login(clerk)

    assert "Turn off portal access" not in client.get(page_of(alice.contact)).text
    assert client.post(toggle(alice.contact), {"active": "off"}).status_code == 403
    assert User.objects.get(pk=alice.pk).is_active
