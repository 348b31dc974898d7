"""Staff save a payment method to a contact from the contact's office page: the
portal's card rules, the processor's refusals, the contact's limit, and no card
number kept or logged. The page's permissions and its return to the contact are
in test_contact_buttons.py and trellis/tests/test_permission_matrix.py."""

import logging
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from trellis.audit.models import AuditEntry
from trellis.billing.models import PaymentMethod, SandboxOperation
from trellis.billing.tests import declining_gateway
from trellis.billing.tests.test_payment_methods import stored_text
from trellis.office.tests.test_contact_page import staff_with
from trellis.testing.card_data import card_numbers_in

pytestmark = pytest.mark.django_db

NEXT_YEAR = str(date.today().year + 1)


def page_url(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def save_url(contact_id):
    return reverse("office:contact-payment-method", kwargs={"contact_id": contact_id})


def typed(**fields):
    return {
        "number": "5555 5555 5555 4444",
        "exp_month": "7",
        "exp_year": NEXT_YEAR,
        "cvv": "321",
        "holder_name": "Charlie Chen",
        "postcode": "",
    } | fields


def test_staff_save_a_card_and_the_audit_log_records_it_without_the_number(
    office, charlie, staff, caplog
):
    caplog.set_level(logging.DEBUG)

    response = office.post(save_url(charlie.pk), typed(), follow=True)

    method = PaymentMethod.objects.get()
    assert (method.contact, method.saved_by_staff, method.is_default) == (charlie, staff, True)
    assert (method.brand, method.last4, method.exp_month) == ("mastercard", "4444", 7)
    assert "Mastercard •••• 4444 saved to Charlie Chen." in response.text
    assert "Mastercard •••• 4444" in response.text.split('id="contact-payment-methods"')[1]
    entry = AuditEntry.objects.get(action="payment_method.saved_by_staff")
    assert entry.actor == staff and entry.target_id == str(method.pk)
    assert card_numbers_in(stored_text()) == set()
    assert card_numbers_in(caplog.text) == set()


def test_staff_saved_cards_show_in_the_customers_portal(office, alice, client):
    office.post(save_url(alice.contact.pk), typed(holder_name="Alice Arnold"))
    office.logout()
    client.force_login(alice)

    html = client.get("/profile/payment-methods/").text

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
    response = office.post(save_url(charlie.pk), typed(**fields))

    assert response.status_code == 400
    assert escape(message) in response.text
    assert 'value="Charlie Chen"' in response.text
    assert "5555" not in response.text and 'value="321"' not in response.text
    assert not PaymentMethod.objects.exists()
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


def test_a_declined_card_is_not_saved(office, charlie, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH

    response = office.post(save_url(charlie.pk), typed())

    assert response.status_code == 400
    assert escape(declining_gateway.REASON) in response.text
    assert not PaymentMethod.objects.exists()
    assert not SandboxOperation.objects.exists()


def test_staff_who_may_change_the_contact_but_not_save_cards_cannot_save_one(client, charlie):
    client.force_login(staff_with("view_contact", "change_contact"))

    assert client.post(save_url(charlie.pk), typed()).status_code == 403
    assert save_url(charlie.pk) not in client.get(page_url(charlie)).text
    assert not PaymentMethod.objects.exists()


def test_an_unknown_contact_answers_404(office):
    assert office.get(save_url(999999)).status_code == 404
    assert office.post(save_url(999999), typed()).status_code == 404
    assert not PaymentMethod.objects.exists()


def test_staff_are_told_when_the_contact_keeps_as_many_methods_as_allowed(
    office, charlie, settings
):
    settings.PAYMENT_METHODS_PER_CONTACT = 2
    office.post(save_url(charlie.pk), typed())
    office.post(save_url(charlie.pk), typed(number="4242 4242 4242 4242", cvv="123"))
    asked = SandboxOperation.objects.count()

    response = office.post(save_url(charlie.pk), typed(number="6011 1111 1111 1117", cvv="123"))

    assert response.status_code == 400
    assert (
        escape(
            "Charlie Chen already has 2 saved payment methods, the most a contact can keep. "
            "Remove one they no longer use, then save this card."
        )
        in response.text
    )
    assert PaymentMethod.objects.filter(contact=charlie).count() == 2
    assert SandboxOperation.objects.count() == asked


def test_staff_saving_many_cards_in_an_hour_are_not_throttled(office, charlie, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 1
    settings.CARD_SAVES_PER_IP_PER_HOUR = 1

    for number in ("5555 5555 5555 4444", "4242 4242 4242 4242", "6011 1111 1111 1117"):
        office.post(save_url(charlie.pk), typed(number=number, cvv="123"))

    assert PaymentMethod.objects.filter(contact=charlie).count() == 3
