"""US bank accounts (ACH) through the Stripe gateway, against the local
stand-in for Stripe's API: saving, micro-deposit verification, "processing"
payments and how they clear or are returned. The page's bank field is checked
at the HTML level: Stripe.js cannot run here (no internet)."""

from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import CardEntry, GatewayUnavailable, PaymentDeclined
from trellis.billing.gateways.stripe import STRIPE_JS
from trellis.billing.tests.test_stripe_card_entry import rendered
from trellis.testing.stripe_api import StripeApi, stripe_api_fixture  # noqa: F401

DEPOSITS = (Decimal("0.32"), Decimal("0.45"))
WRONG = (Decimal("0.10"), Decimal("0.11"))


@pytest.fixture
def gateway(stripe_api):
    return get_gateway()


@pytest.fixture
def customer(gateway):
    return gateway.customer_create(
        name="Maria Lopez", email="maria@example.com", idempotency_key="trellis-customer-1"
    )


def setup_intent_of(entry) -> str:
    return entry.options["client_secret"].split("_secret_")[0]


def entered_account(api: StripeApi, gateway, customer, account="000123456789"):
    """The bank field's SetupIntent, confirmed in the browser with `account`."""
    setup_intent = setup_intent_of(gateway.bank_entry(customer=customer, language="en"))
    api.confirm_bank_setup_intent(setup_intent, account)
    return setup_intent


def saved_account(api: StripeApi, gateway, customer, account="000123456789"):
    setup_intent = entered_account(api, gateway, customer, account)
    return gateway.bank_save(token=setup_intent, customer=customer, idempotency_key="save-1")


def verify(gateway, customer, saved, amounts=DEPOSITS, key="verify-1"):
    return gateway.bank_verify(
        token=saved.token,
        verification_reference=saved.verification_reference,
        customer=customer,
        amounts=amounts,
        idempotency_key=key,
    )


def verified_account(api: StripeApi, gateway, customer, account="000123456789"):
    saved = saved_account(api, gateway, customer, account)
    assert verify(gateway, customer, saved)
    return saved


def pay(gateway, customer, token, *, key="trellis-payment-9", amount="80.00", present=False):
    return gateway.charge(
        token=token,
        customer=customer,
        amount=Decimal(amount),
        currency="USD",
        idempotency_key=key,
        customer_present=present,
        return_url="https://portal.example/invoices/7/pay/return/",
    )


def test_bank_entry_asks_stripe_for_an_account_verified_by_micro_deposits(
    stripe_api, gateway, customer
):
    entry = gateway.bank_entry(customer=customer, language="es")
    (request,) = stripe_api.requests_to("POST", "/v1/setup_intents")
    (setup_intent,) = stripe_api.objects("setup_intent")
    assert request.body == {
        "customer": customer,
        "usage": "off_session",
        "allowed_payment_method_types": ["us_bank_account"],
        "payment_method_options": {
            "us_bank_account": {
                "verification_method": "microdeposits",
                "financial_connections": {"permissions": ["payment_method"]},
            }
        },
        "expand": ["customer"],
    }
    assert (entry.kind, entry.method, entry.token_field) == ("stripe", "bank_account", "bank_token")
    assert entry.script_url == STRIPE_JS
    assert entry.options == {
        "publishable_key": stripe_api.publishable_key,
        "client_secret": setup_intent["client_secret"],
        "language": "es",
        "name": "Maria Lopez",
        "email": "maria@example.com",
    }


def test_stripe_unavailable_is_unavailable_not_a_refusal(stripe_api, gateway, customer):
    stripe_api.fail_next("POST /v1/setup_intents", "unavailable")
    with pytest.raises(GatewayUnavailable):
        gateway.bank_entry(customer=customer, language="en")
    saved = saved_account(stripe_api, gateway, customer)
    route = f"POST /v1/setup_intents/{saved.verification_reference}/verify_microdeposits"
    stripe_api.fail_next(route, "unavailable")
    with pytest.raises(GatewayUnavailable):
        verify(gateway, customer, saved)
    assert stripe_api.get(saved.verification_reference)["status"] == "requires_action"


def test_an_account_waiting_for_its_deposits_is_saved_unverified(stripe_api, gateway, customer):
    setup_intent = entered_account(stripe_api, gateway, customer, "000222222227")
    saved = gateway.bank_save(token=setup_intent, customer=customer, idempotency_key="save-1")
    (method,) = stripe_api.objects("payment_method")
    assert saved.token == method["id"]
    assert saved.bank_name == "STRIPE TEST BANK"
    assert (saved.last4, saved.account_type) == ("2227", "checking")
    assert saved.verified is False
    assert saved.verification_reference == setup_intent
    assert method["customer"] is None  # Stripe attaches it once verified


def test_an_account_verified_on_stripes_own_page_is_saved_verified(stripe_api, gateway, customer):
    setup_intent = entered_account(stripe_api, gateway, customer)
    stripe_api.verify_microdeposits_on_stripe(setup_intent)
    saved = gateway.bank_save(token=setup_intent, customer=customer, idempotency_key="save-1")
    assert saved.verified is True
    assert saved.verification_reference == ""
    assert saved.last4 == "6789"


def test_another_customers_setup_intent_is_refused_in_words(stripe_api, gateway, customer):
    other = gateway.customer_create(
        name="Kevin Brown", email="kevin@example.com", idempotency_key="trellis-customer-2"
    )
    setup_intent = entered_account(stripe_api, gateway, other)
    with pytest.raises(PaymentDeclined) as refused:
        gateway.bank_save(token=setup_intent, customer=customer, idempotency_key="save-1")
    assert refused.value.code == "token_invalid"
    assert refused.value.message == "Your bank account could not be added. Enter it again."


@pytest.mark.parametrize("token", ["seti_unknown", "pm_usBankAccount_success", "ba_123"])
def test_a_token_that_is_not_a_setup_intent_is_refused(gateway, customer, token):
    with pytest.raises(PaymentDeclined) as refused:
        gateway.bank_save(token=token, customer=customer, idempotency_key="save-1")
    assert refused.value.code == "token_invalid"


def test_a_setup_intent_the_browser_never_confirmed_is_refused(stripe_api, gateway, customer):
    setup_intent = setup_intent_of(gateway.bank_entry(customer=customer, language="en"))
    with pytest.raises(PaymentDeclined):
        gateway.bank_save(token=setup_intent, customer=customer, idempotency_key="save-1")


def test_the_right_amounts_verify_the_account_in_cents_with_the_key(stripe_api, gateway, customer):
    saved = saved_account(stripe_api, gateway, customer)
    assert verify(gateway, customer, saved, key="trellis-verify-4-1") is True
    (request,) = stripe_api.requests_to(
        "POST", f"/v1/setup_intents/{saved.verification_reference}/verify_microdeposits"
    )
    assert request.body == {"amounts": ["32", "45"]}
    assert request.header("Idempotency-Key") == "trellis-verify-4-1"
    assert stripe_api.get(saved.token)["customer"] == customer
    assert stripe_api.get(saved.verification_reference)["status"] == "succeeded"


def test_wrong_amounts_are_false_and_leave_the_account_waiting(stripe_api, gateway, customer):
    saved = saved_account(stripe_api, gateway, customer)
    assert verify(gateway, customer, saved, WRONG) is False
    assert stripe_api.get(saved.verification_reference)["status"] == "requires_action"
    assert verify(gateway, customer, saved, DEPOSITS, key="verify-2") is True


def test_a_wrong_try_retried_with_its_key_is_one_try(stripe_api, gateway, customer):
    stripe_api.world.microdeposit_attempts = 2
    saved = saved_account(stripe_api, gateway, customer)
    assert verify(gateway, customer, saved, WRONG, key="verify-1") is False
    assert verify(gateway, customer, saved, WRONG, key="verify-1") is False  # replayed
    assert verify(gateway, customer, saved, DEPOSITS, key="verify-2") is True


def test_tries_past_stripes_limit_cannot_verify_the_account(stripe_api, gateway, customer):
    saved = saved_account(stripe_api, gateway, customer)
    assert verify(gateway, customer, saved, WRONG, key="verify-1") is False
    assert verify(gateway, customer, saved, WRONG, key="verify-2") is False
    with pytest.raises(PaymentDeclined) as refused:
        verify(gateway, customer, saved, WRONG, key="verify-3")
    assert refused.value.code == "verification_failed"
    assert "entered wrong too many times" in refused.value.message
    with pytest.raises(PaymentDeclined) as again:
        verify(gateway, customer, saved, DEPOSITS, key="verify-4")
    assert again.value.code == "verification_failed"
    assert stripe_api.get(saved.token)["customer"] is None


def test_the_limit_of_tries_is_stripes_not_a_constant(stripe_api, gateway, customer):
    stripe_api.world.microdeposit_attempts = 1
    saved = saved_account(stripe_api, gateway, customer)
    with pytest.raises(PaymentDeclined):
        verify(gateway, customer, saved, WRONG)


def test_an_account_verified_on_stripes_page_verifies_without_a_try(stripe_api, gateway, customer):
    saved = saved_account(stripe_api, gateway, customer)
    stripe_api.verify_microdeposits_on_stripe(saved.verification_reference)
    assert verify(gateway, customer, saved, WRONG) is True
    assert not stripe_api.requests_to(
        "POST", f"/v1/setup_intents/{saved.verification_reference}/verify_microdeposits"
    )


def test_another_customers_verification_is_refused_before_a_try(stripe_api, gateway, customer):
    saved = saved_account(stripe_api, gateway, customer)
    other = gateway.customer_create(
        name="Kevin Brown", email="kevin@example.com", idempotency_key="trellis-customer-2"
    )
    with pytest.raises(PaymentDeclined):
        verify(gateway, other, saved, DEPOSITS)
    assert stripe_api.get(saved.verification_reference)["status"] == "requires_action"


def test_a_bank_payment_is_processing_with_the_payments_key(stripe_api, gateway, customer):
    saved = verified_account(stripe_api, gateway, customer)
    charge = pay(gateway, customer, saved.token, key="trellis-payment-12")
    (request,) = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert charge.status == "processing"
    assert charge.amount == Decimal("80.00")
    assert request.header("Idempotency-Key") == "trellis-payment-12"
    assert request.body["allowed_payment_method_types"] == ["us_bank_account"]
    assert request.body["metadata"] == {"trellis_payment": "trellis-payment-12"}
    assert request.body["payment_method"] == saved.token
    assert stripe_api.get(charge.reference)["status"] == "processing"


def test_a_card_payment_still_allows_only_cards(stripe_api, gateway, customer):
    pay(gateway, customer, "pm_card_visa")
    (request,) = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert request.body["allowed_payment_method_types"] == ["card"]


def test_an_unverified_account_is_not_charged(stripe_api, gateway, customer):
    saved = saved_account(stripe_api, gateway, customer)
    with pytest.raises(PaymentDeclined) as refused:
        pay(gateway, customer, saved.token)
    assert "This bank account cannot be used" in refused.value.message
    assert not stripe_api.objects("payment_intent")


def test_a_processing_payment_looks_up_as_processing(stripe_api, gateway, customer):
    saved = verified_account(stripe_api, gateway, customer)
    charge = pay(gateway, customer, saved.token)
    lookup = gateway.charge_lookup(idempotency_key="trellis-payment-9", reference=charge.reference)
    assert (lookup.state, lookup.reference) == ("processing", charge.reference)


def test_a_returned_payment_looks_up_as_failed_in_the_customers_words(
    stripe_api, gateway, customer
):
    saved = verified_account(stripe_api, gateway, customer, "000111111113")
    charge = pay(gateway, customer, saved.token)
    stripe_api.settle_bank_payment(charge.reference)
    lookup = gateway.charge_lookup(idempotency_key="trellis-payment-9", reference=charge.reference)
    assert lookup.state == "failed"
    assert lookup.message == "Your bank returned the payment: the account is closed."


def test_a_cleared_payment_is_a_charge_succeeded_with_its_key(stripe_api, gateway, customer):
    saved = verified_account(stripe_api, gateway, customer)
    charge = pay(gateway, customer, saved.token, key="trellis-payment-12")
    body, headers = stripe_api.settle_bank_payment(charge.reference)
    event = gateway.webhook_event(body=body, headers=headers)
    assert event.kind == "charge.succeeded"
    assert (event.payment_key, event.reference) == ("trellis-payment-12", charge.reference)
    assert event.amount == Decimal("80.00")


@pytest.mark.parametrize(
    ("account", "failure_code", "words"),
    [
        ("000222222227", None, "Your bank returned the payment: insufficient funds."),
        ("000111111113", None, "Your bank returned the payment: the account is closed."),
        ("000111111116", None, "Your bank returned the payment: the account is closed."),
        ("000123456789", "bank_account_restricted", "Your bank returned the payment."),
    ],
)
def test_a_returned_payment_is_a_charge_failed_in_the_customers_words(
    stripe_api, gateway, customer, account, failure_code, words
):
    saved = verified_account(stripe_api, gateway, customer, account)
    charge = pay(gateway, customer, saved.token, key="trellis-payment-12")
    body, headers = stripe_api.settle_bank_payment(charge.reference, failure_code)
    event = gateway.webhook_event(body=body, headers=headers)
    assert event.kind == "charge.failed"
    assert (event.payment_key, event.reference) == ("trellis-payment-12", charge.reference)
    assert event.message == words


def test_payment_intent_processing_is_ignored(stripe_api, gateway, customer):
    saved = verified_account(stripe_api, gateway, customer)
    charge = pay(gateway, customer, saved.token)
    body, headers = stripe_api.webhook("payment_intent.processing", charge.reference)
    assert gateway.webhook_event(body=body, headers=headers).kind == "ignored"


def test_a_card_decline_keeps_the_cards_words(stripe_api, gateway, customer):
    with pytest.raises(PaymentDeclined):
        pay(gateway, customer, "pm_card_chargeDeclinedInsufficientFunds")
    (intent,) = stripe_api.objects("payment_intent")
    body, headers = stripe_api.webhook("payment_intent.payment_failed", intent["id"])
    event = gateway.webhook_event(body=body, headers=headers)
    assert event.message == "Your card has insufficient funds."


BANK_ENTRY = CardEntry(
    kind="stripe",
    script_url=STRIPE_JS,
    method="bank_account",
    token_field="bank_token",
    options={
        "publishable_key": "pk_test_abc",
        "client_secret": "seti_123_secret_456",
        "language": "es",
        "name": "Maria Lopez",
        "email": "maria@example.com",
    },
)


def test_the_bank_field_hands_stripe_js_the_setup_intent_and_posts_only_a_token():
    page, nonce, html = rendered("card_entry/field.html", entry=BANK_ENTRY, when_method="new")
    (container,) = page.all("div", **{"data-stripe-bank-entry": None})
    assert container["data-publishable-key"] == "pk_test_abc"
    assert container["data-client-secret"] == "seti_123_secret_456"
    assert container["data-language"] == "es"
    assert container["data-name"] == "Maria Lopez"
    assert container["data-email"] == "maria@example.com"
    assert container["data-token-field"] == "bank_token"
    assert container["data-when-method"] == "new"
    inputs = [a.get("name") for t, a in page.found if t in ("input", "select", "textarea")]
    assert inputs == ["bank_token"]  # the account numbers are typed into Stripe's dialog only
    assert page.all("input", type="hidden", name="bank_token")
    assert [(a["src"], a.get("nonce")) for a in page.all("script")] == [
        ("https://js.stripe.com/v3/", nonce),
        ("/static/card_entry/stripe.js", nonce),
    ]
    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    assert "Adding a bank account needs JavaScript." in noscript


@pytest.mark.parametrize(
    "call",
    [
        "collectBankAccountForSetup({",
        'payment_method_type: "us_bank_account"',
        "payment_method_data: { billing_details: billing }",
        "confirmUsBankAccountSetup(clientSecret)",
        'setupIntent.next_action.type === "verify_with_microdeposits"',
        'querySelectorAll("[data-stripe-bank-entry]").forEach(mountBankEntry)',
    ],
)
def test_the_script_collects_the_bank_account_as_stripe_documents(call):
    with open(finders.find("card_entry/stripe.js")) as script:
        assert call in script.read()
