"""Paying an invoice from a bank account: only a verified one is offered and
charged; the payment then clears for days (`Payment.processing`), the invoice
shows it pending, and the pay screen does not offer that amount again."""

import re
import uuid
from decimal import Decimal

import pytest

from trellis.billing.gateways.base import PaymentDeclined
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import payment_settle
from trellis.billing.tests.methods import due_invoice, saved_card
from trellis.portal.tests.test_bank_accounts import (
    VERIFIED_AT_ONCE,
    failed_account,
    saved_account,
    verified_account,
)

pytestmark = pytest.mark.django_db

ON_ITS_WAY = (
    "Your bank payment of $100.00 is on its way: bank payments take 3 to 5 business days to "
    "clear. This invoice shows it as pending until then; we will email you when it clears."
)
NOT_VERIFIED = "This bank account is not verified yet: confirm its two small deposits"


def pay_url(invoice):
    return f"/invoices/{invoice.pk}/pay/"


def confirm(client, invoice, method, amount="100.00"):
    return client.post(
        pay_url(invoice),
        {
            "method": method.pk,
            "amount": amount,
            "idempotency_key": uuid.uuid4().hex,
            "confirm": "1",
        },
    )


def checked(html):
    return re.search(r'name="method" value="(\w+)" checked', html)[1]


def test_verified_accounts_are_offered_and_unverified_ones_are_not(alice_client, alice):
    invoice = due_invoice(alice.contact)
    verified = verified_account(alice.contact)
    pending = saved_account(alice.contact, "000987654321")
    failed = failed_account(alice.contact)

    html = alice_client.get(pay_url(invoice)).text

    assert f'value="{verified.pk}" checked' in html  # the default bank account: no card
    assert "Bank account" in html and "Sandbox Test Bank •••• 6789" in html
    assert f'value="{pending.pk}" disabled' in html
    assert "Confirm the deposits first" in html
    assert f'value="{failed.pk}"' not in html


def test_the_default_card_is_chosen_before_the_default_bank_account(alice_client, alice):
    invoice = due_invoice(alice.contact)
    verified_account(alice.contact)
    card = saved_card(alice.contact, is_default=True)
    assert checked(alice_client.get(pay_url(invoice)).text) == str(card.pk)


@pytest.mark.parametrize("step", ["review", "confirm"])
def test_paying_with_an_unverified_account_is_refused(alice_client, alice, step):
    invoice = due_invoice(alice.contact)
    for method in (saved_account(alice.contact), failed_account(alice.contact)):
        data = {"method": method.pk, "amount": "100.00", "idempotency_key": uuid.uuid4().hex}
        if step == "confirm":
            data["confirm"] = "1"

        response = alice_client.post(pay_url(invoice), data)

        assert response.status_code == 400
        assert NOT_VERIFIED in response.text
    assert not Payment.objects.exists()


def test_a_bank_payment_is_processing_pending_on_the_invoice_and_not_offered_twice(
    alice_client, alice, django_capture_on_commit_callbacks
):
    invoice = due_invoice(alice.contact)
    method = verified_account(alice.contact)

    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(alice_client, invoice, method)

    payment = Payment.objects.get()
    assert done.url == f"/invoices/{invoice.pk}/payments/{payment.pk}/"
    assert payment.processing and payment.method == method
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.amount_paid == 0
    assert ON_ITS_WAY in alice_client.get(done.url).text

    detail = alice_client.get(f"/invoices/{invoice.pk}/").text
    assert "$100.00 pending" in detail

    again = alice_client.get(pay_url(invoice), follow=True)
    assert again.redirect_chain[-1][0] == f"/invoices/{invoice.pk}/"
    assert "A payment on this invoice is already being processed." in again.text
    card = saved_card(alice.contact)
    refused = confirm(alice_client, invoice, card)
    assert refused.status_code == 400
    assert "A payment on this invoice is already being processed." in refused.text
    assert Payment.objects.count() == 1


def test_the_pay_screen_offers_only_what_is_not_pending(alice_client, alice):
    invoice = due_invoice(alice.contact)
    confirm(alice_client, invoice, saved_account(alice.contact, VERIFIED_AT_ONCE), "40.00")

    html = alice_client.get(pay_url(invoice)).text

    assert "$40.00 pending" in html
    assert 'name="amount" value="60.00"' in html
    assert "$40.00 pending" in alice_client.get(f"/invoices/{invoice.pk}/").text


def test_a_returned_bank_payment_shows_the_banks_reason(alice_client, alice):
    invoice = due_invoice(alice.contact)
    confirm(alice_client, invoice, verified_account(alice.contact))
    payment = Payment.objects.get()
    reason = "Your bank returned the payment: insufficient funds."
    # What the processor's charge.failed webhook records, days later.
    payment_settle(payment=payment, declined=PaymentDeclined("ach_insufficient_funds", reason))

    html = alice_client.get(f"/invoices/{invoice.pk}/payments/{payment.pk}/").text

    assert "Your bank returned this payment" in html and reason in html
    assert f'href="{pay_url(invoice)}"' in html
    assert alice_client.get(pay_url(invoice)).status_code == 200
    assert Decimal(Invoice.objects.get().balance) == Decimal("100.00")
