from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import payment_problem
from trellis.billing.processor_results import payment_refresh
from trellis.billing.reconciliation import ABANDONED, payments_reconcile
from trellis.billing.tasks import payments_reconcile as payments_reconcile_task
from trellis.billing.tests.processor_world import (
    UNREACHABLE,
    bank_answers,
    charged_not_recorded,
    committed,
    later,
    never_charged,
    receipts,
    sandbox_charges,
    waiting_for_the_bank,
)
from trellis.inbox.models import InboxItem
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as SandboxCharge
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


def reconcile(**kwargs):
    with committed():
        return payments_reconcile(now=later(), **kwargs)


def told_not_charged():
    return [
        email
        for email in OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.NOTIFICATION)
        if "did not go through" in email.subject or "no se completó" in email.subject
    ]


def listed_for_staff(payment):
    return InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_PENDING, payment=payment).count()


def test_a_charge_whose_answer_was_lost_is_recorded_with_its_receipt(contact):
    payment = charged_not_recorded(contact)

    run = reconcile()

    assert (run.succeeded, run.failed, run.pending) == (1, 0, 0)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.processor_reference.startswith("ch_")
    assert payment.invoice.status == Invoice.Status.PAID
    assert payment.invoice.amount_paid == Decimal("100.00")
    assert receipts(payment) == 1
    assert sandbox_charges(payment) == [SandboxCharge.Status.SUCCEEDED]  # charged once
    assert listed_for_staff(payment) == 0


def test_a_payment_younger_than_a_request_can_take_is_left_alone(contact):
    payment = charged_not_recorded(contact)

    with committed():
        run = payments_reconcile()

    assert run.total == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_charge_the_processor_never_saw_is_released_and_the_payer_told(contact, settings):
    payment = never_charged(contact, settings)

    run = reconcile()

    assert (run.succeeded, run.failed, run.pending) == (0, 1, 0)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "did not reach the payment processor" in payment.failure_message
    assert payment.invoice.status == Invoice.Status.OPEN
    assert receipts(payment) == 0
    [email] = told_not_charged()
    assert email.to_address == "alice@example.com"
    assert payment.invoice.number in email.subject
    assert "you have not been charged" in email.body_text
    assert f"/invoices/{payment.invoice.pk}/" in email.body_text
    assert f"/invoices/{payment.invoice.pk}/" in email.body_html
    assert sandbox_charges(payment) == []  # and nothing was charged since


def test_the_payer_is_told_in_their_language(settings):
    contact = ContactFactory(first_name="Rosa", email="rosa@example.com", language="es")
    never_charged(contact, settings)

    reconcile()

    [email] = told_not_charged()
    assert "Saldo pendiente" in email.body_text
    assert "Balance due" not in email.body_text


def test_a_charge_refused_at_the_bank_is_released_and_the_payer_told(contact):
    # The customer refused at their bank's prompt and closed the page; the
    # webhook never came.
    payment = waiting_for_the_bank(contact)
    with committed():
        bank_answers(payment_refresh(payment=payment).action, confirmed=False)

    run = reconcile()

    assert run.failed == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "could not confirm" in payment.failure_message
    assert len(told_not_charged()) == 1


def test_a_charge_still_waiting_for_the_bank_is_left_pending_and_listed_once(contact):
    payment = waiting_for_the_bank(contact)

    first, second = reconcile(), reconcile()

    assert (first.pending, first.listed) == (1, 1)
    assert (second.pending, second.listed) == (1, 0)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert listed_for_staff(payment) == 1
    item = InboxItem.objects.get(kind=InboxItem.Kind.PAYMENT_PENDING)
    assert item.invoice == payment.invoice
    assert item.contact == contact
    assert item.data["amount"] == "100.00"
    assert item.data["reconciliation"] == "open at the processor"
    assert told_not_charged() == []


def test_a_charge_the_customer_never_confirmed_is_canceled_after_an_hour_and_released(contact):
    payment = waiting_for_the_bank(contact)
    prompt = payment_refresh(payment=payment).action

    with committed():
        run = payments_reconcile(now=payment.created_at + ABANDONED + timedelta(minutes=1))

    assert run.failed == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "not confirmed with your bank in time" in payment.failure_message
    assert sandbox_charges(payment) == [SandboxCharge.Status.FAILED]
    assert len(told_not_charged()) == 1
    payment.invoice.refresh_from_db()
    assert (
        payment_problem(  # its amount is free again
            invoice=payment.invoice,
            contact=contact,
            method=payment.method,
            amount=Decimal("100.00"),
        )
        == ""
    )
    # Confirming at the bank afterwards no longer charges anything.
    bank_answers(prompt, confirmed=True)
    assert sandbox_charges(payment) == [SandboxCharge.Status.FAILED]


def test_a_processor_that_does_not_answer_leaves_it_pending_and_listed(contact, settings):
    payment = charged_not_recorded(contact)
    settings.PAYMENT_GATEWAY = UNREACHABLE

    run = reconcile()

    assert (run.pending, run.listed) == (1, 1)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert listed_for_staff(payment) == 1
    item = InboxItem.objects.get(kind=InboxItem.Kind.PAYMENT_PENDING)
    assert item.data["reconciliation"] == "processor did not answer"


def test_a_payment_settled_before_the_run_is_not_asked_about(contact):
    payment = charged_not_recorded(contact)
    with committed():
        payment_refresh(payment=payment)

    assert reconcile().total == 0
    assert receipts(payment) == 1


def test_the_command_reconciles_and_says_what_it_did(contact, settings):
    charged_not_recorded(contact)
    never_charged(ContactFactory(email="bob@example.com"), settings)
    waiting_for_the_bank(ContactFactory(email="carol@example.com"))
    out = StringIO()

    with time_machine.travel(later()), committed():
        call_command("payments_reconcile", stdout=out)

    assert out.getvalue().strip() == (
        "3 pending payments asked about: 1 recorded as paid, 1 released as not paid, "
        "1 still pending (1 newly listed for staff)"
    )


def test_the_email_sweep_reconciles_before_it_lists_pending_payments(contact, settings):
    settings.INBOX_PAYMENT_PENDING_MINUTES = 1
    payment = charged_not_recorded(contact)
    out = StringIO()

    with time_machine.travel(later()), committed():
        call_command("send_queued_email", stdout=out)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert listed_for_staff(payment) == 0
    assert receipts(payment) == 1
    assert "1 recorded as paid" in out.getvalue()


def test_the_worker_task_reconciles(contact):
    payment = charged_not_recorded(contact)

    with time_machine.travel(later()), committed():
        payments_reconcile_task.enqueue()

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
