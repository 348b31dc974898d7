import logging
from decimal import Decimal

import pytest

from trellis.audit.models import AuditEntry
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import GatewayEvent
from trellis.billing.models import Invoice, Payment, ProcessorEvent
from trellis.billing.processor_events import processor_event_apply
from trellis.billing.processor_results import payment_refresh
from trellis.billing.tests.processor_world import (
    bank_answers,
    charged_not_recorded,
    committed,
    receipts,
    sandbox_events,
    waiting_for_the_bank,
)
from trellis.company.models import Company
from trellis.sandbox_processor.events import event_payload_signed
from trellis.sandbox_processor.models import Event as SandboxEvent
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


def delivered(sandbox_event) -> GatewayEvent:
    """The event as the gateway reads the sandbox's signed request."""
    body, headers = event_payload_signed(sandbox_event)
    return get_gateway().webhook_event(body=body, headers=headers)


def apply(event: GatewayEvent, processor: str = "sandbox") -> bool:
    with committed():
        return processor_event_apply(processor=processor, event=event)


def test_a_charge_succeeded_event_records_the_payment_and_sends_the_receipt(contact):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")

    assert apply(delivered(event)) is True

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.processor_reference == event.payload["data"]["object"]["id"]
    assert payment.invoice.status == Invoice.Status.PAID
    assert receipts(payment) == 1
    stored = ProcessorEvent.objects.get()
    assert (stored.processor, stored.event_id, stored.kind) == (
        "sandbox",
        event.reference,
        "charge.succeeded",
    )
    assert stored.payment == payment


def test_the_same_event_delivered_again_changes_nothing(contact):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    apply(delivered(event))

    assert apply(delivered(event)) is False

    assert ProcessorEvent.objects.count() == 1
    assert receipts(payment) == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1


def test_a_failure_arriving_after_the_success_changes_nothing(contact):
    payment = charged_not_recorded(contact)
    [event] = sandbox_events(payment, "charge.succeeded")
    apply(delivered(event))
    late = GatewayEvent(
        id="evt_late_failure",
        kind="charge.failed",
        payment_key=payment.idempotency_key,
        message="Your card was declined.",
    )

    assert apply(late) is True

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.failure_message == ""
    assert payment.invoice.status == Invoice.Status.PAID
    assert ProcessorEvent.objects.count() == 2


def test_a_charge_failed_event_releases_the_payment(contact):
    payment = waiting_for_the_bank(contact)
    with committed():
        action = payment_refresh(payment=payment).action
    bank_answers(action, confirmed=False)
    [event] = sandbox_events(payment, "charge.failed")

    assert apply(delivered(event)) is True

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "could not confirm" in payment.failure_message
    assert payment.invoice.status == Invoice.Status.OPEN
    assert receipts(payment) == 0


def test_the_webhook_and_the_customers_return_make_one_payment_and_one_receipt(contact):
    # Security check 35: the webhook delivered twice and the browser's return.
    payment = waiting_for_the_bank(contact)
    with committed():
        action = payment_refresh(payment=payment).action
    bank_answers(action, confirmed=True)
    [event] = sandbox_events(payment, "charge.succeeded")

    apply(delivered(event))
    with committed():
        assert payment_refresh(payment=payment).state == "succeeded"
    apply(delivered(event))

    assert Payment.objects.filter(invoice=payment.invoice).count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.invoice.amount_paid == Decimal("100.00")
    assert receipts(payment) == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1


def test_the_customers_return_before_the_webhook_makes_one_receipt_too(contact):
    payment = waiting_for_the_bank(contact)
    with committed():
        action = payment_refresh(payment=payment).action
    bank_answers(action, confirmed=True)
    with committed():
        payment_refresh(payment=payment)
    [event] = sandbox_events(payment, "charge.succeeded")

    assert apply(delivered(event)) is True

    assert receipts(payment) == 1
    assert ProcessorEvent.objects.get().payment == payment


def test_an_event_about_no_known_payment_is_stored_and_ignored(contact, caplog):
    event = GatewayEvent(id="evt_stranger", kind="charge.succeeded", payment_key="f" * 32)

    with caplog.at_level(logging.WARNING, logger="trellis.billing.processor_events"):
        assert apply(event) is True

    stored = ProcessorEvent.objects.get()
    assert stored.payment is None
    assert "about no payment Trellis knows" in caplog.text
    assert apply(event) is False


def test_another_processors_event_does_not_settle_a_sandbox_payment(contact):
    payment = charged_not_recorded(contact)
    event = GatewayEvent(id="evt_1", kind="charge.succeeded", payment_key=payment.idempotency_key)

    apply(event, processor="stripe")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_refund_made_at_the_processor_is_stored_once_and_the_balance_follows(contact):
    payment = charged_not_recorded(contact)
    apply(delivered(sandbox_events(payment, "charge.succeeded")[0]))
    payment.refresh_from_db()
    get_gateway().refund(
        reference=payment.processor_reference,
        amount=Decimal("10.00"),
        currency=Company.load().currency,
        idempotency_key="refund-1",
    )
    [refund] = SandboxEvent.objects.filter(type="refund.succeeded")

    assert apply(delivered(refund)) is True

    assert apply(delivered(refund)) is False  # delivered again: nothing more
    assert ProcessorEvent.objects.filter(kind="refund.succeeded").count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.invoice.amount_paid == Decimal("90.00")
