"""Stripe's webhooks through the endpoint, against the local stand-in for
Stripe's API (trellis/testing/stripe_api.py), signed as Stripe signs them."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from trellis.billing.models import Invoice, Payment, PaymentMethod, ProcessorEvent
from trellis.billing.processor_results import payment_refresh
from trellis.billing.tests.processor_world import committed, pay, receipts
from trellis.testing.factories import ContactFactory
from trellis.testing.stripe_api import stripe_api_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

URL = reverse("webhooks:receive", args=["stripe"])


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


def stripe_card(contact, token: str) -> PaymentMethod:
    """One of Stripe's test payment methods, saved to the contact."""
    return PaymentMethod.objects.create(
        contact=contact,
        processor="stripe",
        token=token,
        brand="visa",
        last4="3184",
        exp_month=12,
        exp_year=2040,
        holder_name="Alice",
    )


def deliver(body: bytes, headers: dict[str, str]):
    with committed():
        return Client(enforce_csrf_checks=True).post(
            URL, body, content_type="application/json", headers=headers
        )


@pytest.fixture
def confirmed_at_the_bank(stripe_api, contact):
    """A payment the customer's bank asked them to confirm, and they did;
    Trellis has not heard yet."""
    payment = pay(contact, stripe_card(contact, "pm_card_authenticationRequired"))
    assert payment.status == Payment.Status.PENDING
    stripe_api.complete_action(payment.processor_reference, succeed=True)
    return payment


def test_a_stripe_event_delivered_twice_and_the_return_make_one_payment(
    stripe_api, confirmed_at_the_bank
):
    payment = confirmed_at_the_bank
    body, headers = stripe_api.webhook("payment_intent.succeeded", payment.processor_reference)

    assert deliver(body, headers).status_code == 200
    with committed():
        assert payment_refresh(payment=payment).state == "succeeded"
    assert deliver(body, headers).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.invoice.status == Invoice.Status.PAID
    assert payment.invoice.amount_paid == Decimal("100.00")
    assert receipts(payment) == 1
    assert ProcessorEvent.objects.get().processor == "stripe"


def test_a_stripe_event_signed_with_another_secret_is_answered_400(
    stripe_api, confirmed_at_the_bank
):
    payment = confirmed_at_the_bank
    body, _ = stripe_api.webhook("payment_intent.succeeded", payment.processor_reference)
    forged = {"Stripe-Signature": stripe_api.sign(body, secret="whsec_someone_else")}

    assert deliver(body, forged).status_code == 400

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not ProcessorEvent.objects.exists()


def test_the_sandboxs_endpoint_is_not_found_when_stripe_is_set_up(stripe_api, contact):
    response = Client().post(
        reverse("webhooks:receive", args=["sandbox"]), b"{}", "application/json"
    )

    assert response.status_code == 404
