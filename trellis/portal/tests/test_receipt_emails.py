"""Manage Payments' receipts switch: "Email me a receipt for each payment".

A payment's receipt is queued by the task that runs once the payment commits
(trellis.billing.payments.payment_notices_send); these tests run the commit's
callbacks to see what it queued."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from trellis.billing.tests.methods import due_invoice, saved_card
from trellis.inbox.models import InboxItem
from trellis.mail.models import OutgoingEmail

pytestmark = pytest.mark.django_db

LIST = "/profile/payment-methods/"
SWITCH = "/profile/payment-methods/receipts/"
BOX = 'name="receipt_emails"'


def pay(client, contact, capture):
    invoice = due_invoice(contact)
    method = saved_card(contact)
    with capture(execute=True):
        response = client.post(
            f"/invoices/{invoice.pk}/pay/",
            {
                "method": method.pk,
                "amount": "100.00",
                "idempotency_key": uuid.uuid4().hex,
                "confirm": "1",
            },
        )
    assert response.status_code == 302
    return response


def receipts():
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT).count()


def test_the_switch_is_on_until_turned_off(alice_client, alice):
    html = alice_client.get(LIST).text
    assert "Email me a receipt for each payment" in html
    assert f'type="checkbox" {BOX}' in html and "checked" in html.split(BOX)[1].split(">")[0]
    assert "autopay notices, are always sent" in html

    response = alice_client.post(SWITCH, {}, follow=True)

    alice.contact.refresh_from_db()
    assert not alice.contact.receipt_emails
    assert "We will no longer email you a receipt for each payment." in response.text
    assert "checked" not in response.text.split(BOX)[1].split(">")[0]


def test_with_receipts_off_a_payment_queues_no_receipt(
    alice_client, alice, django_capture_on_commit_callbacks
):
    alice_client.post(SWITCH, {})

    done = pay(alice_client, alice.contact, django_capture_on_commit_callbacks)

    assert receipts() == 0
    # The notices did run: staff still hear of the payment.
    assert InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_RECEIVED).count() == 1
    page = alice_client.get(done.url).text
    assert "Thank you for your payment" in page
    assert "We have emailed you a receipt." not in page


def test_turned_back_on_a_payment_queues_its_receipt(
    alice_client, alice, django_capture_on_commit_callbacks
):
    alice_client.post(SWITCH, {})
    response = alice_client.post(SWITCH, {"receipt_emails": "on"}, follow=True)
    assert "We will email you a receipt for each payment." in response.text

    done = pay(alice_client, alice.contact, django_capture_on_commit_callbacks)

    assert receipts() == 1
    assert (
        OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT).to_address == "alice@example.com"
    )
    assert "We have emailed you a receipt." in alice_client.get(done.url).text


def test_the_switch_is_a_post_with_the_csrf_token(alice, alice_client):
    assert alice_client.get(SWITCH).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(SWITCH, {}).status_code == 403
    alice.contact.refresh_from_db()
    assert alice.contact.receipt_emails


def test_signed_out_visitors_go_to_sign_in(client, alice):
    assert client.post(SWITCH, {})["Location"].startswith("/sign-in/")
    alice.contact.refresh_from_db()
    assert alice.contact.receipt_emails


def test_a_staff_preview_shows_the_setting_but_cannot_change_it(client, staff, alice):
    client.force_login(staff)
    client.post(reverse("office:contact-view-as", kwargs={"contact_id": alice.contact.pk}))

    html = client.get(LIST).text
    assert "A receipt is emailed for each payment." in html
    assert BOX not in html
    assert client.post(SWITCH, {}).status_code == 403
    alice.contact.refresh_from_db()
    assert alice.contact.receipt_emails
