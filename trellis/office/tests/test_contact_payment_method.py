"""Staff save a payment method to a contact from the contact's page."""

import logging
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from trellis.audit.models import AuditEntry
from trellis.billing.models import PaymentMethod, SandboxOperation
from trellis.billing.tests import declining_gateway
from trellis.billing.tests.test_payment_methods import stored_text
from trellis.testing.card_data import card_numbers_in
from trellis.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = str(date.today().year + 1)


def page_url(contact):
    return reverse("admin:customers_contact_change", args=[contact.pk])


def save_url(contact):
    return reverse("admin:customers_contact_payment_method", args=[contact.pk])


def save_url_of_id(pk):
    return reverse("admin:customers_contact_payment_method", args=[pk])


def typed(**fields):
    return {
        "number": "5555 5555 5555 4444",
        "exp_month": "7",
        "exp_year": NEXT_YEAR,
        "cvv": "321",
        "holder_name": "Charlie Chen",
        "postcode": "",
    } | fields


def test_the_contact_page_lists_methods_and_links_to_saving_one(office, charlie):
    html = office.get(page_url(charlie)).content.decode()
    assert "No saved payment methods." in html
    assert f'href="{save_url(charlie)}"' in html
    assert office.get(save_url(charlie)).status_code == 200


def test_staff_save_a_card_and_the_audit_log_records_it(office, charlie, staff, caplog):
    caplog.set_level(logging.DEBUG)
    response = office.post(save_url(charlie), typed(), follow=True)
    method = PaymentMethod.objects.get()
    assert (method.contact, method.saved_by_staff, method.is_default) == (charlie, staff, True)
    assert (method.brand, method.last4, method.exp_month) == ("mastercard", "4444", 7)
    html = response.content.decode()
    assert "Mastercard •••• 4444 saved to Charlie Chen." in html
    assert 'id="contact-payment-methods"' in html and "Mastercard •••• 4444" in html
    entry = AuditEntry.objects.get(action="payment_method.saved_by_staff")
    assert entry.actor == staff and entry.target_id == str(method.pk)
    assert card_numbers_in(stored_text()) == set()
    assert card_numbers_in(caplog.text) == set()


def test_staff_saved_cards_show_in_the_customers_portal(office, alice, client):
    office.post(save_url(alice.contact), typed(holder_name="Alice Arnold"))
    office.logout()
    client.force_login(alice)
    html = client.get("/profile/payment-methods/").content.decode()
    assert "Mastercard •••• 4444" in html and "staff" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "5555 5555 5555 4445"}, "Your card number is not valid."),
        ({"exp_month": "13"}, "from 1 to 12"),
        ({"exp_year": "2020"}, "This card has expired."),
        ({"number": "378282246310005", "cvv": "321"}, "4 digits on the front"),
    ],
)
def test_the_same_rules_as_the_portal(office, charlie, fields, message):
    response = office.post(save_url(charlie), typed(**fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(message) in html
    assert 'value="Charlie Chen"' in html
    assert "5555" not in html and 'value="321"' not in html
    assert not PaymentMethod.objects.exists()
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


def test_a_declined_card_is_not_saved(office, charlie, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    response = office.post(save_url(charlie), typed())
    assert response.status_code == 400
    assert escape(declining_gateway.REASON) in response.content.decode()
    assert not PaymentMethod.objects.exists()
    assert not SandboxOperation.objects.exists()


def test_staff_without_the_permission_cannot_save(client, charlie):
    clerk = StaffFactory(email="sam@greenway.example")
    clerk.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="customers", codename__in=["view_contact", "change_contact"]
        )
    )
    client.force_login(clerk)
    assert client.post(save_url(charlie), typed()).status_code == 403
    html = client.get(page_url(charlie)).content.decode()
    assert save_url(charlie) not in html
    assert not PaymentMethod.objects.exists()


def test_an_unknown_contact_answers_404(office):
    assert office.get(save_url_of_id(999)).status_code == 404
    assert office.post("/office/customers/contact/999/payment-method/", typed()).status_code == 404


def test_customers_cannot_reach_it(client, alice, charlie):
    client.force_login(alice)
    response = client.post(save_url(charlie), typed())
    assert response.status_code == 302
    assert not PaymentMethod.objects.exists()


def test_staff_are_told_when_the_contact_keeps_as_many_methods_as_allowed(
    office, charlie, settings
):
    settings.PAYMENT_METHODS_PER_CONTACT = 2
    office.post(save_url(charlie), typed())
    office.post(save_url(charlie), typed(number="4242 4242 4242 4242", cvv="123"))
    asked = SandboxOperation.objects.count()

    response = office.post(save_url(charlie), typed(number="6011 1111 1111 1117", cvv="123"))

    assert response.status_code == 400
    assert (
        escape(
            "Charlie Chen already has 2 saved payment methods, the most a contact can keep. "
            "Remove one they no longer use, then save this card."
        )
        in response.content.decode()
    )
    assert PaymentMethod.objects.filter(contact=charlie).count() == 2
    assert SandboxOperation.objects.count() == asked


def test_staff_saving_many_cards_in_an_hour_are_not_throttled(office, charlie, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 1
    settings.CARD_SAVES_PER_IP_PER_HOUR = 1

    for number in ("5555 5555 5555 4444", "4242 4242 4242 4242", "6011 1111 1111 1117"):
        office.post(save_url(charlie), typed(number=number, cvv="123"))

    assert PaymentMethod.objects.filter(contact=charlie).count() == 3
