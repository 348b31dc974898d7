import threading
from decimal import Decimal

import pytest
from django.db import connection

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.billing.processor_results import payment_refresh
from trellis.billing.tests.methods import saved_card
from trellis.billing.tests.processor_world import (
    UNREACHABLE,
    bank_answers,
    charged_not_recorded,
    committed,
    never_charged,
    pay,
    receipts,
    sandbox_charges,
    waiting_for_the_bank,
)
from trellis.sandbox_processor.models import Charge as SandboxCharge
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


def refresh(payment):
    with committed():
        return payment_refresh(payment=Payment.objects.select_related("method").get(pk=payment.pk))


def test_a_charge_the_bank_wants_confirmed_stays_pending_with_its_reference(contact):
    payment = waiting_for_the_bank(contact)

    [charge] = SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.processor_reference == charge.reference
    assert payment.invoice.status == Invoice.Status.OPEN
    assert receipts(payment) == 0


def test_the_page_gets_the_banks_prompt_while_the_customer_has_not_answered(contact):
    payment = waiting_for_the_bank(contact)

    progress = refresh(payment)

    assert progress.state == "action_required"
    assert "/sandbox-processor/v1/authenticate/" in progress.action["url"]
    assert progress.payment.status == Payment.Status.PENDING


def test_confirmed_at_the_bank_the_payment_succeeds_with_one_receipt(contact):
    payment = waiting_for_the_bank(contact)
    bank_answers(refresh(payment).action, confirmed=True)

    progress = refresh(payment)

    assert progress.state == "succeeded"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.completed_at is not None
    assert payment.invoice.status == Invoice.Status.PAID
    assert receipts(payment) == 1
    # Shown again, the page asks nothing and records nothing more.
    assert refresh(payment).state == "succeeded"
    assert receipts(payment) == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1


def test_refused_at_the_bank_the_payment_fails_with_the_banks_reason(contact):
    payment = waiting_for_the_bank(contact)
    bank_answers(refresh(payment).action, confirmed=False)

    progress = refresh(payment)

    assert progress.state == "failed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "could not confirm" in payment.failure_message
    assert payment.invoice.status == Invoice.Status.OPEN
    assert receipts(payment) == 0


def test_a_charge_whose_answer_was_lost_is_recorded_when_the_customer_looks(contact):
    payment = charged_not_recorded(contact)

    progress = refresh(payment)

    assert progress.state == "succeeded"
    payment.refresh_from_db()
    assert payment.invoice.amount_paid == Decimal("100.00")
    assert receipts(payment) == 1
    assert sandbox_charges(payment) == [SandboxCharge.Status.SUCCEEDED]


def test_a_charge_the_processor_never_saw_is_left_pending(contact, settings):
    # Its request may still be on its way: only the reconciliation, later, releases it.
    payment = never_charged(contact, settings)

    progress = refresh(payment)

    assert progress.state == "unknown"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_processor_that_does_not_answer_leaves_it_pending_and_unknown(contact, settings):
    payment = waiting_for_the_bank(contact)
    settings.PAYMENT_GATEWAY = UNREACHABLE

    progress = refresh(payment)

    assert progress.state == "unknown"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_settled_payment_is_not_asked_about(contact, settings):
    payment = pay(contact, saved_card(contact))
    settings.PAYMENT_GATEWAY = UNREACHABLE  # asking would fail

    assert refresh(payment).state == "succeeded"


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite lets one writer at a time in: there is no race to test. "
    "Run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_record_the_payment_once(contact, settings):
    payment = charged_not_recorded(contact)
    settings.PAYMENT_GATEWAY = "trellis.billing.tests.lookup_gateways.AnswersTogetherGateway"
    states = []

    def look() -> None:
        try:
            mine = Payment.objects.select_related("method").get(pk=payment.pk)
            states.append(payment_refresh(payment=mine).state)
        except Exception as error:  # reported by the assertion
            states.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert states == ["succeeded", "succeeded"]
    assert receipts(payment) == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1
    assert Payment.objects.get(pk=payment.pk).invoice.amount_paid == Decimal("100.00")
