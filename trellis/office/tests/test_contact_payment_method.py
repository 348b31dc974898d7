"""Staff save a payment method to a contact from the contact's office page: the
card typed into the processor's own field (its token is what Trellis gets), the
processor's refusals, the contact's limit, and no card number kept or logged.
The page's permissions and its return to the contact are in
test_contact_buttons.py and trellis/tests/test_permission_matrix.py."""

import logging
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from trellis.audit.models import AuditEntry
from trellis.billing.models import PaymentMethod
from trellis.billing.tests import declining_gateway
from trellis.billing.tests.test_payment_methods import stored_text
from trellis.office.tests.test_contact_page import staff_with
from trellis.sandbox_processor.testing import sandbox_token
from trellis.testing.card_data import card_numbers_in

pytestmark = pytest.mark.django_db

NEXT_YEAR = date.today().year + 1


def page_url(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def save_url(contact_id):
    return reverse("office:contact-payment-method", kwargs={"contact_id": contact_id})


def typed(number="5555555555554444", **fields):
    """The form as the page posts it once the card is typed into the processor's field."""
    return {
        "card_token": sandbox_token(number, exp_month=7, exp_year=NEXT_YEAR),
        "holder_name": "Charlie Chen",
        "postcode": "",
    } | fields


def test_the_page_embeds_the_processors_card_field(office, charlie):
    html = office.get(save_url(charlie.pk)).text
    assert 'name="card_token"' in html
    assert "/sandbox-processor/" in html
    assert 'name="number"' not in html and 'name="cvv"' not in html
    assert 'name="holder_name"' in html and 'name="postcode"' in html


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


def test_a_card_not_entered_is_asked_for_and_the_name_kept(office, charlie):
    response = office.post(save_url(charlie.pk), typed(card_token=""))

    assert response.status_code == 400
    assert "Enter your card details." in response.text
    assert 'value="Charlie Chen"' in response.text
    assert not PaymentMethod.objects.exists()


def test_the_name_on_the_card_is_asked_for(office, charlie):
    response = office.post(save_url(charlie.pk), typed(holder_name=""))

    assert response.status_code == 400
    assert "Enter the name on the card." in response.text
    assert not PaymentMethod.objects.exists()


def refused_and_kept(response, data, message):
    """The page again with the processor's reason and the name typed, but not
    the token (used once: the card is typed again); nothing saved or audited."""
    assert response.status_code == 400
    assert escape(message) in response.text
    assert 'value="Charlie Q. Chen"' in response.text
    assert data["card_token"] not in response.text
    assert not PaymentMethod.objects.exists()
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


def test_a_card_the_sandbox_refuses_when_saved_is_not_saved(office, charlie):
    data = typed("4100000000000019", holder_name="Charlie Q. Chen")
    refused_and_kept(office.post(save_url(charlie.pk), data), data, "Your card was declined.")


def test_a_token_used_already_is_refused_with_the_processors_words(office, charlie):
    data = typed(holder_name="Charlie Q. Chen")
    office.post(save_url(charlie.pk), data)
    PaymentMethod.objects.all().delete()
    AuditEntry.objects.all().delete()  # the first save, out of the way

    response = office.post(save_url(charlie.pk), data)  # the form sent again

    refused_and_kept(response, data, "Your card details have expired. Enter them again.")


def test_a_declined_card_is_not_saved(office, charlie, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH

    response = office.post(save_url(charlie.pk), typed())

    assert response.status_code == 400
    assert escape(declining_gateway.REASON) in response.text
    assert not PaymentMethod.objects.exists()
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


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
    office.post(save_url(charlie.pk), typed("4242424242424242"))
    third = typed("6011111111111117")

    response = office.post(save_url(charlie.pk), third)

    assert response.status_code == 400
    assert (
        escape(
            "Charlie Chen already has 2 saved payment methods, the most a contact can keep. "
            "Remove one they no longer use, then save this card."
        )
        in response.text
    )
    assert PaymentMethod.objects.filter(contact=charlie).count() == 2
    # Told before the processor was asked: the token was not used up.
    settings.PAYMENT_METHODS_PER_CONTACT = 3
    assert office.post(save_url(charlie.pk), third).status_code == 302


def test_staff_saving_many_cards_in_an_hour_are_not_throttled(office, charlie, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 1
    settings.CARD_SAVES_PER_IP_PER_HOUR = 1

    for number in ("5555555555554444", "4242424242424242", "6011111111111117"):
        office.post(save_url(charlie.pk), typed(number))

    assert PaymentMethod.objects.filter(contact=charlie).count() == 3
