"""End to end without the internet: the sandbox POSTs its signed events to
Trellis's endpoint on a live server, as a processor does."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from trellis.billing.models import Invoice, Payment, ProcessorEvent
from trellis.billing.processor_results import payment_refresh
from trellis.billing.tests.processor_world import (
    bank_answers,
    receipts,
    sandbox_events,
    waiting_for_the_bank,
)
from trellis.testing.factories import ContactFactory
from trellis.testing.smtp import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


@pytest.fixture
def delivering(settings, live_server):
    settings.SANDBOX_WEBHOOKS_DELIVER = True
    settings.SANDBOX_WEBHOOK_URL = live_server.url + reverse("webhooks:receive", args=["sandbox"])
    return settings


def test_the_sandboxs_webhook_settles_the_payment_the_customer_confirmed(delivering, contact):
    payment = waiting_for_the_bank(contact)

    bank_answers(payment_refresh(payment=payment).action, confirmed=True)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.invoice.status == Invoice.Status.PAID
    assert receipts(payment) == 1
    [event] = sandbox_events(payment, "charge.succeeded")
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert ProcessorEvent.objects.get().event_id == event.reference


def test_a_webhook_that_could_not_be_delivered_is_sent_again_by_the_sweep(delivering, contact):
    url = delivering.SANDBOX_WEBHOOK_URL
    delivering.SANDBOX_WEBHOOK_URL = f"http://127.0.0.1:{free_port()}/webhooks/sandbox/"
    payment = waiting_for_the_bank(contact)
    bank_answers(payment_refresh(payment=payment).action, confirmed=True)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING  # nobody listened

    delivering.SANDBOX_WEBHOOK_URL = url
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("send_queued_email", stdout=StringIO())

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert receipts(payment) == 1
