"""The sandbox gateway: Trellis's server side of the sandbox processor."""

import json
import time
from decimal import Decimal

import pytest
from django.test import Client

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import GatewayUnavailable, InvalidSignature, PaymentDeclined
from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.sandbox_processor import models
from trellis.sandbox_processor.testing import sandbox_token

pytestmark = pytest.mark.django_db

RETURN = "http://127.0.0.1:8000/invoices/1/pay/done/"


@pytest.fixture
def gateway():
    return get_gateway()


@pytest.fixture
def customer(gateway):
    return gateway.customer_create(
        name="Maria Lopez", email="maria@example.com", idempotency_key="c1"
    )


def saved(gateway, customer, number="4242424242424242", key=None):
    return gateway.card_save(
        token=sandbox_token(number), customer=customer, idempotency_key=key or f"save-{number}"
    )


def charge(gateway, customer, card, key="pay-1", amount="50.00", present=True, currency="USD"):
    return gateway.charge(
        token=card.token,
        customer=customer,
        amount=Decimal(amount),
        currency=currency,
        idempotency_key=key,
        customer_present=present,
        return_url=RETURN,
    )


def test_the_configured_gateway_is_the_sandbox(gateway):
    assert isinstance(gateway, SandboxGateway)
    assert gateway.name == "sandbox"


def test_a_customer_is_made_once_per_key(gateway):
    first = gateway.customer_create(name="Maria", email="m@example.com", idempotency_key="k")
    again = gateway.customer_create(name="Maria", email="m@example.com", idempotency_key="k")
    assert first == again
    assert first.startswith("cus_")
    assert models.Customer.objects.count() == 1


def test_the_card_entry_names_the_sandbox_field_script_and_language(gateway, customer, settings):
    settings.PUBLIC_BASE_URL = "https://portal.greenway.example"
    settings.SANDBOX_PROCESSOR_URL = "https://sandbox.greenway.example/sandbox-processor"
    entry = gateway.card_entry(customer=customer, language="es")
    assert entry.kind == "sandbox"
    assert entry.script_url == "https://sandbox.greenway.example/sandbox-processor/v1/card-entry.js"
    assert gateway.card_page_sources == {
        "script-src": ("https://sandbox.greenway.example",),
        "frame-src": ("https://sandbox.greenway.example",),
    }
    assert entry.options["origin"] == "https://sandbox.greenway.example"
    assert entry.options["language"] == "es"
    assert entry.options["field_url"].startswith(
        "https://sandbox.greenway.example/sandbox-processor/v1/card-field/?lang=es&setup="
    )


def test_served_from_trellis_itself_the_sandbox_needs_no_extra_origin(gateway, settings):
    settings.PUBLIC_BASE_URL = "https://portal.greenway.example"
    settings.SANDBOX_PROCESSOR_URL = "https://portal.greenway.example/sandbox-processor"
    assert gateway.card_page_sources == {}


def test_a_saved_card_keeps_only_the_reference_brand_last_four_and_expiry(gateway, customer):
    card = gateway.card_save(
        token=sandbox_token("5555555555554444", exp_month=7, exp_year=2031),
        customer=customer,
        idempotency_key="s",
    )
    assert card.token.startswith("card_")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == (
        "mastercard",
        "4444",
        7,
        2031,
    )
    for model in (models.Card, models.Token, models.Operation):
        assert "5555555555554444" not in str(list(model.objects.values()))


def test_saving_again_with_the_same_key_gives_the_same_card(gateway, customer):
    token = sandbox_token()
    first = gateway.card_save(token=token, customer=customer, idempotency_key="s")
    again = gateway.card_save(token=token, customer=customer, idempotency_key="s")
    assert first == again
    assert models.Card.objects.count() == 1


@pytest.mark.parametrize("problem", ["used", "unknown", "another customer's"])
def test_a_token_that_cannot_be_used_is_declined_in_the_customers_words(gateway, customer, problem):
    token = sandbox_token(customer=customer)
    if problem == "used":
        gateway.card_save(token=token, customer=customer, idempotency_key="first")
    elif problem == "unknown":
        token = "tok_never_made"
    else:
        customer = gateway.customer_create(name="Bob", email="b@example.com", idempotency_key="b")
    with pytest.raises(PaymentDeclined) as declined:
        gateway.card_save(token=token, customer=customer, idempotency_key="second")
    assert declined.value.code == "token_invalid"
    assert declined.value.message == "Your card details have expired. Enter them again."


def test_a_card_that_refuses_to_be_saved_is_declined(gateway, customer):
    with pytest.raises(PaymentDeclined) as declined:
        saved(gateway, customer, "4100000000000019")
    assert declined.value.message == "Your card was declined."
    assert not models.Card.objects.exists()


def test_a_successful_card_is_charged_once_per_idempotency_key(gateway, customer):
    card = saved(gateway, customer)
    first = charge(gateway, customer, card)
    again = charge(gateway, customer, card)
    assert first == again
    assert (first.status, first.amount) == ("succeeded", Decimal("50.00"))
    assert first.reference.startswith("ch_")
    assert models.Charge.objects.count() == 1


def test_another_customers_card_cannot_be_charged(gateway, customer):
    card = saved(gateway, customer)
    bob = gateway.customer_create(name="Bob", email="b@example.com", idempotency_key="b")
    with pytest.raises(PaymentDeclined):
        charge(gateway, bob, card)
    assert not models.Charge.objects.exists()


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        ("4000000000000002", "declined", "Your card was declined."),
        ("4000000000009995", "insufficient_funds", "Your card has insufficient funds."),
        ("4000000000000069", "expired_card", "Your card has expired."),
        ("4000000000000127", "incorrect_cvv", "Your card's security code is incorrect."),
        (
            "4000000000000119",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    ],
)
def test_the_test_cards_decline_like_a_processors_test_mode(
    gateway, customer, number, code, message
):
    card = saved(gateway, customer, number)
    for _attempt in range(2):  # the same key again: the same answer
        with pytest.raises(PaymentDeclined) as declined:
            charge(gateway, customer, card)
        assert (declined.value.code, declined.value.message) == (code, message)
    assert list(models.Charge.objects.values_list("status", flat=True)) == ["failed"]
    lookup = gateway.charge_lookup(idempotency_key="pay-1")
    assert (lookup.state, lookup.message) == ("failed", message)


def test_a_timed_out_charge_is_found_again_by_its_key_and_not_repeated(gateway, customer):
    card = saved(gateway, customer, "4000000000000259")
    with pytest.raises(GatewayUnavailable):
        charge(gateway, customer, card, key="t", amount="10")
    lookup = gateway.charge_lookup(idempotency_key="t")
    assert (lookup.state, lookup.amount) == ("succeeded", Decimal("10.00"))
    again = charge(gateway, customer, card, key="t", amount="10")
    assert (again.reference, again.amount) == (lookup.reference, Decimal("10.00"))
    assert models.Charge.objects.count() == 1


def test_a_key_the_processor_never_saw_is_not_found(gateway):
    assert gateway.charge_lookup(idempotency_key="never").state == "not_found"


def test_a_charge_can_be_looked_up_by_its_reference_too(gateway, customer):
    done = charge(gateway, customer, saved(gateway, customer))
    lookup = gateway.charge_lookup(idempotency_key="other", reference=done.reference)
    assert lookup.state == "succeeded"


def bank_answers(action_url, result):
    from urllib.parse import urlsplit

    parts = urlsplit(action_url)
    return Client().post(f"{parts.path}?{parts.query}", {"result": result})


@pytest.mark.parametrize(("result", "state"), [("complete", "succeeded"), ("fail", "failed")])
def test_a_charge_that_needs_3d_secure_waits_for_the_customers_answer(
    gateway, customer, result, state
):
    card = saved(gateway, customer, "4000002760003184")
    started = charge(gateway, customer, card)
    assert started.status == "requires_action"
    assert "/sandbox-processor/v1/authenticate/auth_" in started.action["url"]
    pending = gateway.charge_lookup(idempotency_key="pay-1")
    assert (pending.state, pending.action) == ("pending", started.action)
    assert not models.Event.objects.exists()

    response = bank_answers(started.action["url"], result)
    assert response.status_code == 302
    assert response.headers["Location"] == RETURN
    assert gateway.charge_lookup(idempotency_key="pay-1").state == state
    assert [event.type for event in models.Event.objects.all()] == [f"charge.{state}"]


def test_off_session_a_charge_that_needs_3d_secure_is_declined(gateway, customer):
    card = saved(gateway, customer, "4000002760003184")
    with pytest.raises(PaymentDeclined) as declined:
        charge(gateway, customer, card, present=False)
    assert declined.value.code == "authentication_required"


def test_a_refund_gives_back_up_to_what_is_left(gateway, customer):
    done = charge(gateway, customer, saved(gateway, customer), amount="50.00")
    first = gateway.refund(
        reference=done.reference, amount=Decimal("30.00"), currency="USD", idempotency_key="r1"
    )
    again = gateway.refund(
        reference=done.reference, amount=Decimal("30.00"), currency="USD", idempotency_key="r1"
    )
    assert first == again
    assert first.reference.startswith("re_")
    with pytest.raises(PaymentDeclined) as too_much:
        gateway.refund(
            reference=done.reference, amount=Decimal("20.01"), currency="USD", idempotency_key="r2"
        )
    assert too_much.value.code == "refund_too_large"
    rest = gateway.refund(
        reference=done.reference, amount=Decimal("20.00"), currency="USD", idempotency_key="r2"
    )
    assert rest.amount == Decimal("20.00")
    assert models.Charge.objects.get().refunded == Decimal("50.00")
    assert models.Refund.objects.count() == 2


def test_a_failed_charge_cannot_be_refunded(gateway, customer):
    card = saved(gateway, customer, "4000000000000002")
    with pytest.raises(PaymentDeclined):
        charge(gateway, customer, card)
    failed = models.Charge.objects.get()
    with pytest.raises(PaymentDeclined) as declined:
        gateway.refund(
            reference=failed.reference, amount=Decimal(1), currency="USD", idempotency_key="r"
        )
    assert declined.value.code == "not_refundable"


def signed(event, **kwargs):
    from trellis.sandbox_processor.events import event_payload_signed

    return event_payload_signed(event, **kwargs)


def test_each_settled_charge_and_refund_is_an_event_trellis_can_read(gateway, customer):
    done = charge(gateway, customer, saved(gateway, customer), key="pay-9")
    gateway.refund(
        reference=done.reference, amount=Decimal(5), currency="USD", idempotency_key="r9"
    )
    paid, refunded = models.Event.objects.order_by("pk")

    event = gateway.webhook_event(body=(signed(paid))[0], headers=signed(paid)[1])
    assert (event.id, event.kind, event.payment_key, event.reference, event.amount) == (
        paid.reference,
        "charge.succeeded",
        "pay-9",
        done.reference,
        Decimal("50.00"),
    )
    body, headers = signed(refunded)
    event = gateway.webhook_event(body=body, headers=headers)
    assert (event.kind, event.payment_key, event.refund_key, event.charge_reference) == (
        "refund.succeeded",
        "pay-9",
        "r9",
        done.reference,
    )
    assert event.reference.startswith("re_")
    assert event.amount == Decimal("5.00")


def test_a_failed_charge_event_says_why(gateway, customer):
    with pytest.raises(PaymentDeclined):
        charge(gateway, customer, saved(gateway, customer, "4000000000009995"), key="pay-f")
    body, headers = signed(models.Event.objects.get())
    event = gateway.webhook_event(body=body, headers=headers)
    assert (event.kind, event.payment_key) == ("charge.failed", "pay-f")
    assert event.message == "Your card has insufficient funds."


def test_an_event_of_another_kind_is_ignored(gateway):
    from trellis.sandbox_processor.events import event_record

    body, headers = signed(event_record(type="customer.created", data={"id": "cus_x"}))
    assert gateway.webhook_event(body=body, headers=headers).kind == "ignored"


def test_the_event_body_is_json_with_the_charges_key(gateway, customer):
    charge(gateway, customer, saved(gateway, customer), key="pay-j")
    body, _ = signed(models.Event.objects.get())
    assert json.loads(body)["data"]["object"]["metadata"] == {"idempotency_key": "pay-j"}


@pytest.mark.parametrize("tamper", ["body", "signature", "stale", "missing", "other secret"])
def test_an_event_that_does_not_verify_is_refused(gateway, customer, settings, tamper):
    charge(gateway, customer, saved(gateway, customer))
    event = models.Event.objects.get()
    body, headers = signed(event, timestamp=int(time.time()) - 301 if tamper == "stale" else None)
    if tamper == "body":
        body = body.replace(b'"50.00"', b'"5000.00"')
    elif tamper == "signature":
        value = headers["Sandbox-Signature"]
        headers["Sandbox-Signature"] = value[:-1] + ("1" if value.endswith("0") else "0")
    elif tamper == "missing":
        del headers["Sandbox-Signature"]
    elif tamper == "other secret":
        settings.SANDBOX_WEBHOOK_SECRET = "someone-elses-secret"
    with pytest.raises(InvalidSignature):
        gateway.webhook_event(body=body, headers=headers)
