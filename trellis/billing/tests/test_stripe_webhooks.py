import json
import time
from decimal import Decimal

import pytest

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import InvalidSignature, PaymentDeclined
from trellis.testing.stripe_api import stripe_api_fixture  # noqa: F401


@pytest.fixture
def gateway(stripe_api):
    return get_gateway()


@pytest.fixture
def customer(gateway):
    return gateway.customer_create(
        name="Maria Lopez", email="maria@example.com", idempotency_key="c"
    )


def pay(gateway, customer, card="pm_card_visa", *, key="trellis-payment-3", amount="80.00"):
    return gateway.charge(
        token=card,
        customer=customer,
        amount=Decimal(amount),
        currency="USD",
        idempotency_key=key,
        customer_present=False,
        return_url="",
    )


def refund(gateway, charge, amount, key):
    return gateway.refund(
        reference=charge.reference, amount=Decimal(amount), currency="USD", idempotency_key=key
    )


def test_a_payment_intent_succeeded_is_a_charge_succeeded_with_its_key(
    stripe_api, gateway, customer
):
    charge = pay(gateway, customer)
    body, headers = stripe_api.webhook("payment_intent.succeeded", charge.reference)
    event = gateway.webhook_event(body=body, headers=headers)
    assert event.id == json.loads(body)["id"]
    assert event.id.startswith("evt_")
    assert (event.kind, event.payment_key, event.reference, event.amount) == (
        "charge.succeeded",
        "trellis-payment-3",
        charge.reference,
        Decimal("80.00"),
    )


def test_a_payment_failed_says_why_in_the_customers_words(stripe_api, gateway, customer):
    with pytest.raises(PaymentDeclined):
        pay(gateway, customer, "pm_card_chargeDeclinedInsufficientFunds")
    (intent,) = stripe_api.objects("payment_intent")
    body, headers = stripe_api.webhook("payment_intent.payment_failed", intent["id"])
    event = gateway.webhook_event(body=body, headers=headers)
    assert (event.kind, event.payment_key, event.reference) == (
        "charge.failed",
        "trellis-payment-3",
        intent["id"],
    )
    assert event.message == "Your card has insufficient funds."


@pytest.mark.parametrize("event_type", ["refund.created", "refund.updated"])
def test_a_refund_event_is_a_refund_succeeded_with_its_key(
    stripe_api, gateway, customer, event_type
):
    charge = pay(gateway, customer)
    made = refund(gateway, charge, "30.00", "trellis-refund-1")
    body, headers = stripe_api.webhook(event_type, made.reference)
    event = gateway.webhook_event(body=body, headers=headers)
    assert (event.kind, event.reference, event.charge_reference) == (
        "refund.succeeded",
        made.reference,
        charge.reference,
    )
    assert (event.refund_key, event.amount) == ("trellis-refund-1", Decimal("30.00"))


def test_charge_refunded_names_the_newest_refund(stripe_api, gateway, customer):
    charge = pay(gateway, customer)
    refund(gateway, charge, "10.00", "trellis-refund-1")
    second = refund(gateway, charge, "5.00", "trellis-refund-2")
    latest_charge = stripe_api.get(charge.reference)["latest_charge"]
    body, headers = stripe_api.webhook("charge.refunded", latest_charge)
    event = gateway.webhook_event(body=body, headers=headers)
    assert (event.kind, event.reference, event.refund_key) == (
        "refund.succeeded",
        second.reference,
        "trellis-refund-2",
    )
    assert (event.charge_reference, event.amount) == (charge.reference, Decimal("5.00"))


@pytest.mark.parametrize("event_type", ["customer.created", "payment_intent.created"])
def test_other_events_are_ignored(stripe_api, gateway, customer, event_type):
    charge = pay(gateway, customer)
    body, headers = stripe_api.webhook(event_type, charge.reference)
    event = gateway.webhook_event(body=body, headers=headers)
    assert (event.kind, event.id) == ("ignored", json.loads(body)["id"])


def test_a_body_changed_after_signing_is_refused(stripe_api, gateway, customer):
    charge = pay(gateway, customer)
    body, headers = stripe_api.webhook("payment_intent.succeeded", charge.reference)
    tampered = body.replace(b'"amount_received": 8000', b'"amount_received": 800000')
    assert tampered != body
    with pytest.raises(InvalidSignature):
        gateway.webhook_event(body=tampered, headers=headers)


def test_a_body_signed_with_another_secret_is_refused(stripe_api, gateway, customer):
    charge = pay(gateway, customer)
    body, _ = stripe_api.webhook("payment_intent.succeeded", charge.reference)
    forged = {"Stripe-Signature": stripe_api.sign(body, secret="whsec_someone_else")}
    with pytest.raises(InvalidSignature):
        gateway.webhook_event(body=body, headers=forged)


def test_a_stale_signature_is_refused_a_fresh_one_accepted(stripe_api, gateway, customer):
    charge = pay(gateway, customer)
    stale_time = int(time.time()) - 600
    body, stale = stripe_api.webhook(
        "payment_intent.succeeded", charge.reference, timestamp=stale_time
    )
    with pytest.raises(InvalidSignature):
        gateway.webhook_event(body=body, headers=stale)
    fresh = {"stripe-signature": stripe_api.sign(body)}  # header names in any case
    assert gateway.webhook_event(body=body, headers=fresh).kind == "charge.succeeded"


@pytest.mark.parametrize("signature", [None, "", "garbage", "t=1,v0=abc"])
def test_a_missing_or_malformed_signature_is_refused(stripe_api, gateway, customer, signature):
    charge = pay(gateway, customer)
    body, _ = stripe_api.webhook("payment_intent.succeeded", charge.reference)
    headers = {} if signature is None else {"Stripe-Signature": signature}
    with pytest.raises(InvalidSignature):
        gateway.webhook_event(body=body, headers=headers)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "evt_1"}', b"\xff\xfe"])
def test_a_signed_body_that_is_not_an_event_is_refused(stripe_api, gateway, body):
    with pytest.raises(InvalidSignature):
        gateway.webhook_event(body=body, headers={"Stripe-Signature": stripe_api.sign(body)})
