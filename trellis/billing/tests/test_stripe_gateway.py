from decimal import Decimal

import pytest

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import GatewayUnavailable, PaymentDeclined
from trellis.billing.gateways.stripe import StripeGateway
from trellis.testing.stripe_api import StripeApi, stripe_api_fixture  # noqa: F401


def customer_of(gateway: StripeGateway, key: str = "trellis-customer-stripe-1") -> str:
    return gateway.customer_create(
        name="Maria Lopez", email="maria@example.com", idempotency_key=key
    )


def saved_card(api: StripeApi, gateway: StripeGateway, customer: str, card: str = "pm_card_visa"):
    entry = gateway.card_entry(customer=customer, language="en")
    setup_intent = entry.options["client_secret"].split("_secret_")[0]
    api.confirm_setup_intent(setup_intent, card)
    return gateway.card_save(token=setup_intent, customer=customer, idempotency_key="save-1")


def pay(gateway, customer, token, *, key="pay-1", amount="12.34", currency="USD", present=False):
    return gateway.charge(
        token=token,
        customer=customer,
        amount=Decimal(amount),
        currency=currency,
        idempotency_key=key,
        customer_present=present,
        return_url="https://portal.example/invoices/7/pay/return/",
    )


@pytest.fixture
def gateway(stripe_api):
    return get_gateway()


@pytest.fixture
def customer(gateway):
    return customer_of(gateway)


def test_the_configured_gateway_is_stripe_with_its_origins(gateway):
    assert isinstance(gateway, StripeGateway)
    assert gateway.name == "stripe"
    assert gateway.card_page_sources["script-src"] == (
        "https://js.stripe.com",
        "https://*.js.stripe.com",
    )
    assert "https://api.stripe.com" not in gateway.card_page_sources["script-src"]
    assert gateway.card_page_sources["connect-src"] == ("https://api.stripe.com",)
    assert "https://hooks.stripe.com" in gateway.card_page_sources["frame-src"]


def test_a_customer_is_made_with_the_key_given_and_the_secret_key(stripe_api, gateway):
    reference = customer_of(gateway, key="trellis-customer-stripe-42")
    (request,) = stripe_api.requests_to("POST", "/v1/customers")
    assert reference.startswith("cus_")
    assert request.header("Idempotency-Key") == "trellis-customer-stripe-42"
    assert request.header("Authorization") == f"Bearer {stripe_api.secret_key}"
    assert request.body == {"name": "Maria Lopez", "email": "maria@example.com"}


def test_a_customer_asked_for_twice_is_one_customer(stripe_api, gateway):
    assert customer_of(gateway) == customer_of(gateway)
    assert len(stripe_api.objects("customer")) == 1


def test_card_entry_hands_the_page_a_setup_intent_for_off_session_cards(
    stripe_api, gateway, customer
):
    entry = gateway.card_entry(customer=customer, language="es")
    (request,) = stripe_api.requests_to("POST", "/v1/setup_intents")
    (setup_intent,) = stripe_api.objects("setup_intent")
    assert request.body == {
        "customer": customer,
        "usage": "off_session",
        "allowed_payment_method_types": ["card"],
    }
    assert entry.kind == "stripe"
    assert entry.script_url == "https://js.stripe.com/v3/"
    assert dict(entry.options) == {
        "publishable_key": stripe_api.publishable_key,
        "client_secret": setup_intent["client_secret"],
        "language": "es",
    }


def test_a_card_confirmed_in_the_browser_is_saved_with_what_stripe_reports(
    stripe_api, gateway, customer
):
    saved = saved_card(stripe_api, gateway, customer, "pm_card_mastercard")
    method = stripe_api.get(saved.token)
    assert saved.token.startswith("pm_")
    assert (saved.brand, saved.last4) == ("mastercard", "4444")
    assert (saved.exp_month, saved.exp_year) == (
        method["card"]["exp_month"],
        method["card"]["exp_year"],
    )
    assert method["customer"] == customer


def test_a_setup_intent_not_confirmed_is_not_a_card(stripe_api, gateway, customer):
    entry = gateway.card_entry(customer=customer, language="en")
    setup_intent = entry.options["client_secret"].split("_secret_")[0]
    with pytest.raises(PaymentDeclined) as declined:
        gateway.card_save(token=setup_intent, customer=customer, idempotency_key="save-1")
    assert declined.value.message == "Your card could not be saved. Enter it again."


def test_another_customers_setup_intent_is_not_saved(stripe_api, gateway, customer):
    other = customer_of(gateway, key="trellis-customer-stripe-2")
    entry = gateway.card_entry(customer=other, language="en")
    setup_intent = entry.options["client_secret"].split("_secret_")[0]
    stripe_api.confirm_setup_intent(setup_intent)
    with pytest.raises(PaymentDeclined):
        gateway.card_save(token=setup_intent, customer=customer, idempotency_key="save-1")
    assert gateway.card_save(token=setup_intent, customer=other, idempotency_key="save-2")


@pytest.mark.parametrize("token", ["seti_unknown", "pm_card_visa", "tok_visa"])
def test_a_token_stripe_does_not_know_as_a_setup_intent_is_refused(gateway, customer, token):
    with pytest.raises(PaymentDeclined):
        gateway.card_save(token=token, customer=customer, idempotency_key="save-1")


def test_a_brand_trellis_does_not_take_is_refused_in_words(stripe_api, gateway, customer):
    with pytest.raises(PaymentDeclined) as declined:
        saved_card(stripe_api, gateway, customer, "pm_card_unionpay")
    assert declined.value.code == "unsupported_brand"
    assert "Visa, Mastercard, American Express and Discover" in declined.value.message


def test_a_saved_card_pays_off_session_with_the_key_in_the_header_and_metadata(
    stripe_api, gateway, customer
):
    card = saved_card(stripe_api, gateway, customer)
    charge = pay(gateway, customer, card.token, key="trellis-payment-9")
    (request,) = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert charge.status == "succeeded"
    assert charge.amount == Decimal("12.34")
    assert stripe_api.get(charge.reference)["status"] == "succeeded"
    assert request.header("Idempotency-Key") == "trellis-payment-9"
    assert request.body == {
        "amount": "1234",
        "currency": "usd",
        "customer": customer,
        "payment_method": card.token,
        "allowed_payment_method_types": ["card"],
        "confirm": "true",
        "off_session": "true",
        "metadata": {"trellis_payment": "trellis-payment-9"},
    }


def test_a_customer_at_the_page_pays_on_session_with_a_return_url(stripe_api, gateway, customer):
    card = saved_card(stripe_api, gateway, customer)
    pay(gateway, customer, card.token, present=True)
    (request,) = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert "off_session" not in request.body
    assert request.body["return_url"] == "https://portal.example/invoices/7/pay/return/"


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.34", "USD", "1234"), ("0.50", "eur", "50"), ("1500", "JPY", "1500")],
)
def test_amounts_go_in_the_currencys_smallest_unit(
    stripe_api, gateway, customer, amount, currency, minor
):
    charge = pay(gateway, customer, "pm_card_visa", amount=amount, currency=currency)
    (request,) = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert request.body["amount"] == minor
    assert request.body["currency"] == currency.lower()
    assert charge.amount == Decimal(amount)


def test_an_amount_finer_than_the_currency_is_never_sent(stripe_api, gateway, customer):
    with pytest.raises(ValueError, match="decimals"):
        pay(gateway, customer, "pm_card_visa", amount="10.5", currency="JPY")
    assert stripe_api.requests_to("POST", "/v1/payment_intents") == []


@pytest.mark.parametrize(
    ("card", "code", "message"),
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "Your card has expired."),
    ],
)
def test_a_decline_is_told_in_the_customers_words(
    stripe_api, gateway, customer, card, code, message
):
    with pytest.raises(PaymentDeclined) as declined:
        pay(gateway, customer, card)
    assert (declined.value.code, declined.value.message) == (code, message)
    (intent,) = stripe_api.objects("payment_intent")
    assert intent["status"] == "requires_payment_method"


def test_a_decline_retried_with_the_same_key_is_the_same_decline(stripe_api, gateway, customer):
    for _ in range(2):
        with pytest.raises(PaymentDeclined, match="insufficient funds"):
            pay(gateway, customer, "pm_card_chargeDeclinedInsufficientFunds")
    assert len(stripe_api.objects("payment_intent")) == 1


def test_another_customers_card_is_refused_and_nothing_charged(stripe_api, gateway, customer):
    other = customer_of(gateway, key="trellis-customer-stripe-2")
    card = saved_card(stripe_api, gateway, other)
    with pytest.raises(PaymentDeclined) as declined:
        pay(gateway, customer, card.token)
    assert declined.value.message.startswith("This card cannot be used for this payment.")
    assert stripe_api.objects("payment_intent") == []


def test_a_bank_wanting_confirmation_off_session_is_a_decline_that_says_so(
    stripe_api, gateway, customer
):
    card = saved_card(stripe_api, gateway, customer, "pm_card_authenticationRequired")
    with pytest.raises(PaymentDeclined) as declined:
        pay(gateway, customer, card.token, present=False)
    assert declined.value.code == "authentication_required"
    assert "confirm this payment" in declined.value.message


def test_requires_action_is_pending_until_the_customer_confirms(stripe_api, gateway, customer):
    card = saved_card(stripe_api, gateway, customer, "pm_card_authenticationRequired")
    charge = pay(gateway, customer, card.token, key="pay-3ds", present=True)
    intent = stripe_api.get(charge.reference)
    assert charge.status == "requires_action"
    assert charge.action["client_secret"] == intent["client_secret"]
    assert charge.action["publishable_key"] == stripe_api.publishable_key

    pending = gateway.charge_lookup(idempotency_key="pay-3ds", reference=charge.reference)
    assert pending.state == "pending"
    assert pending.action["client_secret"] == intent["client_secret"]

    stripe_api.complete_action(charge.reference)
    done = gateway.charge_lookup(idempotency_key="pay-3ds", reference=charge.reference)
    assert (done.state, done.reference, done.amount) == (
        "succeeded",
        charge.reference,
        Decimal("12.34"),
    )


def test_a_failed_confirmation_is_a_failed_payment_in_words(stripe_api, gateway, customer):
    card = saved_card(stripe_api, gateway, customer, "pm_card_authenticationRequired")
    charge = pay(gateway, customer, card.token, key="pay-3ds", present=True)
    stripe_api.complete_action(charge.reference, succeed=False)
    lookup = gateway.charge_lookup(idempotency_key="pay-3ds")
    assert lookup.state == "failed"
    assert (
        lookup.message
        == "Your bank could not confirm this payment. Try again, or use another card."
    )


def test_a_lost_answer_retried_with_the_same_key_charges_once(stripe_api, gateway, customer):
    card = saved_card(stripe_api, gateway, customer)
    stripe_api.fail_next("POST /v1/payment_intents", how="drop")
    with pytest.raises(GatewayUnavailable):
        pay(gateway, customer, card.token, key="trellis-payment-5")
    charge = pay(gateway, customer, card.token, key="trellis-payment-5")
    first, retry = stripe_api.requests_to("POST", "/v1/payment_intents")
    (intent,) = stripe_api.objects("payment_intent")
    assert first.header("Idempotency-Key") == retry.header("Idempotency-Key") == "trellis-payment-5"
    assert first.body == retry.body
    assert charge.reference == intent["id"]
    assert intent["status"] == "succeeded"


def test_a_slow_answer_times_out_and_the_charge_is_found_by_its_key(stripe_api, customer):
    gateway = StripeGateway(timeout=0.5)
    card = saved_card(stripe_api, gateway, customer)
    stripe_api.fail_next("POST /v1/payment_intents", how="slow", seconds=2)
    with pytest.raises(GatewayUnavailable):
        pay(gateway, customer, card.token, key="trellis-payment-6")
    assert len(stripe_api.requests_to("POST", "/v1/payment_intents")) == 1  # no retry of its own
    lookup = gateway.charge_lookup(idempotency_key="trellis-payment-6")
    retried = pay(gateway, customer, card.token, key="trellis-payment-6")
    keys = [
        r.header("Idempotency-Key") for r in stripe_api.requests_to("POST", "/v1/payment_intents")
    ]
    assert keys == ["trellis-payment-6", "trellis-payment-6"]
    assert retried.reference == lookup.reference
    (search,) = stripe_api.requests_to("GET", "/v1/payment_intents/search")
    assert search.query == {"query": "metadata['trellis_payment']:'trellis-payment-6'"}
    assert (lookup.state, lookup.amount) == ("succeeded", Decimal("12.34"))
    assert lookup.reference == stripe_api.objects("payment_intent")[0]["id"]


def test_stripe_unavailable_is_unavailable_and_not_retried_by_the_library(
    stripe_api, gateway, customer
):
    stripe_api.fail_next("POST /v1/payment_intents", how="unavailable")
    with pytest.raises(GatewayUnavailable):
        pay(gateway, customer, "pm_card_visa")
    assert len(stripe_api.requests_to("POST", "/v1/payment_intents")) == 1
    assert stripe_api.objects("payment_intent") == []


def test_the_same_key_with_another_amount_is_not_a_second_charge(stripe_api, gateway, customer):
    pay(gateway, customer, "pm_card_visa", key="trellis-payment-7", amount="10.00")
    with pytest.raises(GatewayUnavailable):
        pay(gateway, customer, "pm_card_visa", key="trellis-payment-7", amount="20.00")
    assert len(stripe_api.objects("payment_intent")) == 1


def test_a_key_stripe_never_saw_is_not_found(stripe_api, gateway, customer):
    pay(gateway, customer, "pm_card_visa", key="trellis-payment-1")
    assert gateway.charge_lookup(idempotency_key="trellis-payment-2").state == "not_found"
    assert gateway.charge_lookup(idempotency_key="it's-quoted").state == "not_found"


def test_a_declined_charge_looked_up_is_failed_in_words(stripe_api, gateway, customer):
    with pytest.raises(PaymentDeclined):
        pay(gateway, customer, "pm_card_chargeDeclinedInsufficientFunds", key="pay-x")
    lookup = gateway.charge_lookup(idempotency_key="pay-x")
    assert (lookup.state, lookup.message) == ("failed", "Your card has insufficient funds.")


def test_a_refund_gives_back_part_of_a_payment_with_its_key(stripe_api, gateway, customer):
    charge = pay(gateway, customer, "pm_card_visa", amount="50.00")
    refund = gateway.refund(
        reference=charge.reference, amount=Decimal("20.00"), currency="USD", idempotency_key="r-1"
    )
    (request,) = stripe_api.requests_to("POST", "/v1/refunds")
    assert refund.reference.startswith("re_")
    assert refund.amount == Decimal("20.00")
    assert request.header("Idempotency-Key") == "r-1"
    assert request.body == {
        "payment_intent": charge.reference,
        "amount": "2000",
        "metadata": {"trellis_refund": "r-1"},
    }


def test_a_refund_retried_with_its_key_refunds_once(stripe_api, gateway, customer):
    charge = pay(gateway, customer, "pm_card_visa", amount="50.00")
    stripe_api.fail_next("POST /v1/refunds", how="drop")
    with pytest.raises(GatewayUnavailable):
        gateway.refund(
            reference=charge.reference, amount=Decimal("50"), currency="USD", idempotency_key="r-1"
        )
    gateway.refund(
        reference=charge.reference, amount=Decimal("50"), currency="USD", idempotency_key="r-1"
    )
    assert len(stripe_api.objects("refund")) == 1


def test_a_refund_over_what_is_left_is_refused(stripe_api, gateway, customer):
    charge = pay(gateway, customer, "pm_card_visa", amount="50.00")
    gateway.refund(
        reference=charge.reference, amount=Decimal("30"), currency="USD", idempotency_key="r-1"
    )
    with pytest.raises(PaymentDeclined) as refused:
        gateway.refund(
            reference=charge.reference, amount=Decimal("30"), currency="USD", idempotency_key="r-2"
        )
    assert refused.value.code == "amount_too_large"
    assert refused.value.message == "The refund is more than what is left of this payment."
    assert [refund["amount"] for refund in stripe_api.objects("refund")] == [3000]


def test_a_wrong_secret_key_is_unavailable_not_a_decline(stripe_api, settings, customer):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    with pytest.raises(GatewayUnavailable):
        pay(get_gateway(), customer, "pm_card_visa")


def test_an_abandoned_confirmation_is_canceled_at_stripe(stripe_api, gateway, customer):
    card = saved_card(stripe_api, gateway, customer, "pm_card_authenticationRequired")
    charge = pay(gateway, customer, card.token, key="pay-3ds", present=True)

    lookup = gateway.charge_cancel(idempotency_key="pay-3ds", reference=charge.reference)

    assert (lookup.state, lookup.message) == (
        "failed",
        "The payment was canceled, and nothing was charged.",
    )
    intent = stripe_api.get(charge.reference)
    assert (intent["status"], intent["cancellation_reason"]) == ("canceled", "abandoned")
    [cancel] = stripe_api.requests_to("POST", f"/v1/payment_intents/{charge.reference}/cancel")
    assert cancel.header("Idempotency-Key") == "pay-3ds-cancel"


def test_a_confirmation_completed_before_the_cancel_stays_paid(stripe_api, gateway, customer):
    card = saved_card(stripe_api, gateway, customer, "pm_card_authenticationRequired")
    charge = pay(gateway, customer, card.token, key="pay-3ds", present=True)
    stripe_api.complete_action(charge.reference)

    lookup = gateway.charge_cancel(idempotency_key="pay-3ds", reference=charge.reference)

    assert lookup.state == "succeeded"
    assert stripe_api.get(charge.reference)["status"] == "succeeded"
    assert stripe_api.requests_to("POST", f"/v1/payment_intents/{charge.reference}/cancel") == []
