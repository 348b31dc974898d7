"""What the processor's webhooks tell of refunds: one Trellis asked for, one
made in the processor's dashboard, and the same refund told several times."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from trellis.billing.gateways.base import GatewayEvent
from trellis.billing.models import Invoice, Payment, PaymentRefund, ProcessorEvent
from trellis.billing.processor_events import processor_event_apply
from trellis.billing.refunds import refund_retry
from trellis.billing.tests.processor_world import committed
from trellis.billing.tests.test_refunds import (
    ANSWER_LOST,
    card_payment,
    invoice_of,
    refund,
    refund_emails,
    refunded_entries,
)
from trellis.sandbox_processor import processor
from trellis.sandbox_processor.events import event_payload_signed
from trellis.sandbox_processor.models import Event as SandboxEvent
from trellis.sandbox_processor.models import Refund as SandboxRefund
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = reverse("webhooks:receive", args=["sandbox"])


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


def refunded_in_the_dashboard(payment: Payment, amount: str) -> SandboxEvent:
    """A refund made at the processor, not through Trellis: the sandbox's event of it."""
    made = processor.refund_create(
        charge=payment.processor_reference,
        amount=Decimal(amount),
        currency="USD",
        idempotency_key=f"dashboard-{payment.pk}-{amount}",
    )
    return refund_event(made.reference)


def refund_event(reference: str) -> SandboxEvent:
    [event] = [
        event
        for event in SandboxEvent.objects.filter(type="refund.succeeded")
        if event.payload["data"]["object"]["id"] == reference
    ]
    return event


def deliver(event: SandboxEvent):
    """POST the sandbox's signed event to Trellis's webhook, as the sandbox does."""
    body, headers = event_payload_signed(event)
    headers = dict(headers)
    content_type = headers.pop("Content-Type")
    with committed():
        return Client(enforce_csrf_checks=True).post(
            URL, body, content_type=content_type, headers=headers
        )


def apply(event: GatewayEvent) -> bool:
    with committed():
        return processor_event_apply(processor="sandbox", event=event)


def test_a_refund_made_in_the_dashboard_is_recorded_and_the_balance_follows(contact):
    payment = card_payment(contact)
    event = refunded_in_the_dashboard(payment, "30.00")

    response = deliver(event)

    assert response.status_code == 200
    [recorded] = PaymentRefund.objects.all()
    assert (recorded.payment, recorded.amount, recorded.status) == (
        payment,
        Decimal("30.00"),
        PaymentRefund.Status.SUCCEEDED,
    )
    assert (recorded.reason, recorded.requested_by) == ("", None)
    assert recorded.processor_reference == event.payload["data"]["object"]["id"]
    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("70.00"),
    )
    assert ProcessorEvent.objects.get(event_id=event.reference).payment == payment
    assert len(refund_emails(contact)) == 1
    [entry] = refunded_entries()
    assert entry.actor is None


def test_a_dashboard_refund_of_all_of_it_leaves_the_invoice_open(contact):
    payment = card_payment(contact)

    deliver(refunded_in_the_dashboard(payment, "100.00"))

    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid, invoice.paid_at) == (
        Invoice.Status.OPEN,
        Decimal("0.00"),
        None,
    )


def test_the_same_event_delivered_again_changes_nothing(contact):
    payment = card_payment(contact)
    event = refunded_in_the_dashboard(payment, "30.00")
    deliver(event)

    response = deliver(event)

    assert response.status_code == 200
    assert PaymentRefund.objects.count() == 1
    assert invoice_of(payment).amount_paid == Decimal("70.00")
    assert len(refund_emails(contact)) == 1


def test_other_events_of_the_same_refund_change_nothing(contact):
    # Stripe tells of one refund as refund.created, refund.updated and
    # charge.refunded, each with its own event id.
    payment = card_payment(contact)
    event = refunded_in_the_dashboard(payment, "30.00")
    deliver(event)
    refund_object = event.payload["data"]["object"]

    for event_id in ("evt_refund_updated", "evt_charge_refunded"):
        assert apply(
            GatewayEvent(
                id=event_id,
                kind="refund.succeeded",
                reference=refund_object["id"],
                charge_reference=payment.processor_reference,
                amount=Decimal("30.00"),
            )
        )

    assert PaymentRefund.objects.count() == 1
    assert invoice_of(payment).amount_paid == Decimal("70.00")
    assert len(refunded_entries()) == 1
    assert len(refund_emails(contact)) == 1
    assert ProcessorEvent.objects.count() == 3


def test_the_webhook_settles_a_refund_trellis_asked_for_and_heard_nothing_of(
    contact, staff, settings
):
    payment = card_payment(contact)
    settings.PAYMENT_GATEWAY = ANSWER_LOST
    pending = refund(payment, "40.00", staff=staff)
    assert pending.status == PaymentRefund.Status.PENDING
    settings.PAYMENT_GATEWAY = "sandbox"
    [made] = processor_refunds_of(payment)
    stale = PaymentRefund.objects.get(pk=pending.pk)  # as the reconciliation read it

    deliver(refund_event(made))

    pending.refresh_from_db()
    assert (pending.status, pending.processor_reference) == (
        PaymentRefund.Status.SUCCEEDED,
        made,
    )
    assert invoice_of(payment).amount_paid == Decimal("60.00")
    [entry] = refunded_entries()
    assert entry.actor == staff and entry.data["reason"] == "Work not done"

    with committed():
        # The reconciliation, which read it pending a moment before: asked again,
        # the processor answers the same refund, and it is recorded once.
        assert refund_retry(refund=stale).status == PaymentRefund.Status.SUCCEEDED

    assert PaymentRefund.objects.count() == 1
    assert len(refunded_entries()) == 1
    assert len(refund_emails(contact)) == 1


def test_the_webhook_of_a_refund_trellis_recorded_already_changes_nothing(contact, staff):
    payment = card_payment(contact)
    made = refund(payment, "40.00", staff=staff)

    response = deliver(refund_event(made.processor_reference))

    assert response.status_code == 200
    assert PaymentRefund.objects.count() == 1
    assert invoice_of(payment).amount_paid == Decimal("60.00")
    assert len(refunded_entries()) == 1
    assert len(refund_emails(contact)) == 1


def test_a_refund_of_a_charge_trellis_does_not_know_is_stored_and_ignored(contact, caplog):
    payment = card_payment(contact)

    with caplog.at_level(logging.WARNING):
        applied = apply(
            GatewayEvent(
                id="evt_stranger",
                kind="refund.succeeded",
                reference="re_stranger",
                charge_reference="ch_stranger",
                amount=Decimal("10.00"),
            )
        )

    assert applied is True
    assert PaymentRefund.objects.count() == 0
    assert invoice_of(payment).amount_paid == Decimal("100.00")
    assert ProcessorEvent.objects.get(event_id="evt_stranger").payment is None
    assert "about no payment Trellis knows" in caplog.text


def test_a_refund_of_more_than_is_left_is_not_recorded_and_logged(contact, caplog):
    payment = card_payment(contact)
    deliver(refunded_in_the_dashboard(payment, "90.00"))

    with caplog.at_level(logging.ERROR):
        apply(
            GatewayEvent(
                id="evt_too_much",
                kind="refund.succeeded",
                reference="re_too_much",
                charge_reference=payment.processor_reference,
                amount=Decimal("20.00"),
            )
        )

    assert PaymentRefund.objects.count() == 1
    assert invoice_of(payment).amount_paid == Decimal("10.00")
    assert "more than is left of it" in caplog.text


def processor_refunds_of(payment: Payment) -> list[str]:
    return list(
        SandboxRefund.objects.filter(charge__reference=payment.processor_reference).values_list(
            "reference", flat=True
        )
    )
