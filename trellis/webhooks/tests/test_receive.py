import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment, ProcessorEvent
from trellis.billing.processor_results import payment_refresh
from trellis.billing.tests.processor_world import (
    bank_answers,
    charged_not_recorded,
    committed,
    receipts,
    sandbox_events,
    waiting_for_the_bank,
)
from trellis.sandbox_processor.events import event_payload_signed
from trellis.testing.factories import ContactFactory
from trellis.webhooks.views import MAX_BODY_BYTES

pytestmark = pytest.mark.django_db

URL = reverse("webhooks:receive", args=["sandbox"])


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


@pytest.fixture
def processor():
    # As the processor is: no session, no CSRF token, only its signature.
    return Client(enforce_csrf_checks=True)


def post(client, body: bytes, headers: dict[str, str], url: str = URL):
    headers = dict(headers)
    content_type = headers.pop("Content-Type", "application/json")
    with committed():
        return client.post(url, body, content_type=content_type, headers=headers)


def deliver(client, event, url: str = URL):
    return post(client, *event_payload_signed(event), url=url)


def test_a_signed_event_is_applied_and_answered_200(contact, processor):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")

    response = deliver(processor, event)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.invoice.status == Invoice.Status.PAID
    assert receipts(payment) == 1


def test_a_bad_signature_is_answered_400_and_changes_nothing(contact, processor, caplog):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    body, headers = event_payload_signed(event)
    forged = body.replace(b'"status":"succeeded"', b'"status":"succeeded" ')
    assert forged != body

    with caplog.at_level(logging.INFO, logger="trellis.security"):
        response = post(processor, forged, headers)

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not ProcessorEvent.objects.exists()
    assert receipts(payment) == 0
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "trellis.security"]
    assert (line["event"], line["outcome"], line["processor"]) == (
        "webhook.signature_invalid",
        "refused",
        "sandbox",
    )
    assert event.reference not in caplog.text  # the body is never logged


def test_an_unsigned_event_is_answered_400(contact, processor):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    body, _ = event_payload_signed(event)

    assert post(processor, body, {}).status_code == 400
    assert not ProcessorEvent.objects.exists()


def test_a_signature_made_long_ago_is_answered_400(contact, processor):
    # A captured request replayed later.
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    body, headers = event_payload_signed(event, timestamp=1_700_000_000)

    assert post(processor, body, headers).status_code == 400
    assert not ProcessorEvent.objects.exists()


def test_a_duplicate_delivery_is_answered_200_and_changes_nothing(contact, processor):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    deliver(processor, event)

    response = deliver(processor, event)

    assert response.status_code == 200
    assert ProcessorEvent.objects.count() == 1
    assert receipts(payment) == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1


def test_delivered_twice_and_the_customers_return_make_one_payment_and_one_receipt(
    contact, processor
):
    # Security check 35.
    payment = waiting_for_the_bank(contact)
    with committed():
        bank_answers(payment_refresh(payment=payment).action, confirmed=True)
    [event] = sandbox_events(payment, "charge.succeeded")

    assert deliver(processor, event).status_code == 200
    with committed():
        assert payment_refresh(payment=payment).state == "succeeded"
    assert deliver(processor, event).status_code == 200

    assert Payment.objects.filter(invoice=payment.invoice).count() == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    assert receipts(payment) == 1


def test_an_event_of_a_kind_trellis_does_not_use_is_answered_200(contact, processor):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    event.payload["type"] = "customer.created"
    event.payload["id"] = "evt_other_kind"

    assert deliver(processor, event).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert ProcessorEvent.objects.get().kind == "ignored"


@pytest.mark.parametrize("gateway", ["stripe", "nowhere"])
def test_a_processor_trellis_is_not_set_up_for_is_not_found(contact, processor, gateway):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")

    response = deliver(processor, event, url=reverse("webhooks:receive", args=[gateway]))

    assert response.status_code == 404
    assert not ProcessorEvent.objects.exists()


def test_only_post_is_answered(processor):
    assert processor.get(URL).status_code == 405


def test_a_body_too_large_for_an_event_is_answered_413(contact, processor):
    response = post(processor, b"x" * (MAX_BODY_BYTES + 1), {})

    assert response.status_code == 413
    assert not ProcessorEvent.objects.exists()
