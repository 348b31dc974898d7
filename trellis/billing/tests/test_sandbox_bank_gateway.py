"""The sandbox gateway's bank accounts: the bank field, saving, verifying by
the two deposits, "processing" charges and the webhooks that settle them."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import PaymentDeclined, SavedBankAccount
from trellis.sandbox_processor import models
from trellis.sandbox_processor.events import event_payload_signed
from trellis.sandbox_processor.processor_banks import clock_advance
from trellis.sandbox_processor.testing import bank_account_token, sandbox_token

pytestmark = pytest.mark.django_db

DEPOSITS = (Decimal("0.32"), Decimal("0.45"))


@pytest.fixture
def gateway():
    return get_gateway()


@pytest.fixture
def customer(gateway):
    return gateway.customer_create(
        name="Maria Lopez", email="maria@example.com", idempotency_key="c1"
    )


def saved(gateway, customer, account_number="000123456789", key=None):
    return gateway.bank_save(
        token=bank_account_token(account_number, account_type="savings"),
        customer=customer,
        idempotency_key=key or f"save-{account_number}",
    )


def verify(gateway, customer, account, amounts=DEPOSITS, key="v1"):
    return gateway.bank_verify(
        token=account.token,
        verification_reference=account.verification_reference,
        customer=customer,
        amounts=amounts,
        idempotency_key=key,
    )


def verified(gateway, customer, account_number="000123456789"):
    account = saved(gateway, customer, account_number)
    assert verify(gateway, customer, account)
    return account


def charge(gateway, customer, account, key="pay-1", present=False):
    return gateway.charge(
        token=account.token,
        customer=customer,
        amount=Decimal("80.00"),
        currency="USD",
        idempotency_key=key,
        customer_present=present,
        return_url="",
    )


def read(gateway, event):
    body, headers = event_payload_signed(event)
    return gateway.webhook_event(body=body, headers=headers)


def test_the_bank_entry_frames_the_bank_field_with_the_same_script(gateway, customer, settings):
    settings.SANDBOX_PROCESSOR_URL = "https://sandbox.greenway.example/sandbox-processor"
    entry = gateway.bank_entry(customer=customer, language="es")
    assert (entry.kind, entry.method, entry.token_field) == (
        "sandbox",
        "bank_account",
        "bank_token",
    )
    assert entry.script_url == gateway.card_entry(customer=customer, language="es").script_url
    assert entry.options["field_url"].startswith(
        "https://sandbox.greenway.example/sandbox-processor/v1/bank-field/?lang=es&setup="
    )
    assert entry.options["origin"] == "https://sandbox.greenway.example"


def embedding(entry):
    request = RequestFactory().get("/")
    request.csp_nonce = "n0nce"
    return render_to_string("card_entry/field.html", {"entry": entry}, request=request)


def test_the_embedded_bank_field_fills_bank_token_and_the_card_field_card_token(gateway, customer):
    html = embedding(gateway.bank_entry(customer=customer, language="en"))
    assert 'data-token-field="bank_token"' in html
    assert '<input type="hidden" name="bank_token" value="">' in html
    assert "/v1/bank-field/" in html
    assert 'data-title="Bank account details"' in html
    assert 'nonce="n0nce"' in html
    card = embedding(gateway.card_entry(customer=customer, language="en"))
    assert '<input type="hidden" name="card_token" value="">' in card
    assert 'data-title="Card details"' in card


def test_a_saved_account_waits_for_its_deposits_and_keeps_no_number(gateway, customer):
    account = saved(gateway, customer)
    assert account == SavedBankAccount(
        token=account.token,
        bank_name="Sandbox Test Bank",
        last4="6789",
        account_type="savings",
        verified=False,
        verification_reference=account.token,
    )
    assert account.token.startswith("ba_")


def test_the_instant_account_is_verified_with_nothing_to_confirm(gateway, customer):
    account = saved(gateway, customer, "000000001234")
    assert (account.verified, account.verification_reference) == (True, "")


def test_a_bank_token_that_cannot_be_used_is_declined_in_the_customers_words(gateway, customer):
    with pytest.raises(PaymentDeclined) as declined:
        gateway.bank_save(token=sandbox_token(), customer=customer, idempotency_key="s")
    assert declined.value.code == "bank_token_invalid"
    assert declined.value.message == "Your bank account details have expired. Enter them again."


def test_the_deposits_verify_in_either_order_and_wrong_ones_do_not(gateway, customer):
    account = saved(gateway, customer)
    assert verify(gateway, customer, account, (Decimal("0.45"), Decimal("0.33")), "v1") is False
    assert verify(gateway, customer, account, (Decimal("0.45"), Decimal("0.32")), "v2") is True


def test_the_failing_account_is_declined_verification_failed(gateway, customer):
    account = saved(gateway, customer, "000333333335")
    with pytest.raises(PaymentDeclined) as declined:
        verify(gateway, customer, account)
    assert declined.value.code == "verification_failed"
    assert declined.value.message == (
        "We could not verify this bank account. Add it again or use another method."
    )


def test_an_unverified_account_is_not_charged(gateway, customer):
    with pytest.raises(PaymentDeclined) as declined:
        charge(gateway, customer, saved(gateway, customer))
    assert declined.value.code == "account_not_verified"


def test_a_bank_charge_is_processing_until_it_clears(gateway, customer):
    paid = charge(gateway, customer, verified(gateway, customer))
    assert (paid.status, paid.amount) == ("processing", Decimal("80.00"))
    assert paid.reference.startswith("ch_")
    lookup = gateway.charge_lookup(idempotency_key="pay-1")
    assert (lookup.state, lookup.reference, lookup.amount) == (
        "processing",
        paid.reference,
        Decimal("80.00"),
    )
    assert charge(gateway, customer, verified(gateway, customer), key="pay-1") == paid
    clock_advance(days=4)
    assert gateway.charge_lookup(idempotency_key="pay-1").state == "succeeded"
    event = read(gateway, models.Event.objects.get())
    assert (event.kind, event.payment_key, event.reference, event.amount) == (
        "charge.succeeded",
        "pay-1",
        paid.reference,
        Decimal("80.00"),
    )


@pytest.mark.parametrize(
    ("account_number", "message"),
    [
        ("000222222227", "Your bank returned the payment: insufficient funds."),
        ("000111111113", "Your bank returned the payment: the account is closed."),
    ],
)
def test_a_returned_bank_payment_fails_with_the_banks_reason(
    gateway, customer, account_number, message
):
    paid = charge(gateway, customer, verified(gateway, customer, account_number))
    clock_advance(days=4)
    lookup = gateway.charge_lookup(idempotency_key="pay-1")
    assert (lookup.state, lookup.message) == ("failed", message)
    event = read(gateway, models.Event.objects.get())
    assert (event.kind, event.payment_key, event.reference, event.message) == (
        "charge.failed",
        "pay-1",
        paid.reference,
        message,
    )


def test_a_cleared_bank_payment_is_refunded_with_its_event(gateway, customer):
    paid = charge(gateway, customer, verified(gateway, customer))
    with pytest.raises(PaymentDeclined):
        gateway.refund(
            reference=paid.reference, amount=Decimal(10), currency="USD", idempotency_key="r0"
        )
    clock_advance(days=4)
    refund = gateway.refund(
        reference=paid.reference, amount=Decimal(10), currency="USD", idempotency_key="r1"
    )
    assert refund.amount == Decimal("10.00")
    event = read(gateway, models.Event.objects.get(type="refund.succeeded"))
    assert (event.kind, event.payment_key, event.refund_key) == ("refund.succeeded", "pay-1", "r1")
