"""A bank payment (ACH) through Trellis's own paths: saved and verified with
the two deposits, paid, processing for days (pending: not paid, not payable
twice), then cleared or returned by the sandbox's signed webhook."""

from datetime import timedelta
from decimal import Decimal

import pytest

from trellis.billing.bank_accounts import bank_account_add, bank_account_verify
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.payments import PaymentRefused, invoice_pay, payment_problem
from trellis.billing.processor_events import processor_event_apply
from trellis.billing.reconciliation import payments_reconcile
from trellis.billing.tests.methods import due_invoice, key
from trellis.billing.tests.processor_world import committed, receipts, sandbox_events
from trellis.billing.tests.test_processor_events import delivered
from trellis.company.models import Company
from trellis.inbox.models import InboxItem
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.processor_banks import clock_advance
from trellis.sandbox_processor.testing import bank_account_token
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db

SETTLES = "000123456789"
INSUFFICIENT_FUNDS = "000222222227"
DEPOSITS = (Decimal("0.32"), Decimal("0.45"))


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com", language="en")


def verified_account(contact, account=SETTLES) -> PaymentMethod:
    method = bank_account_add(
        contact=contact,
        token=bank_account_token(account),
        holder_name="Alice",
        saved_by=None,
        make_default=False,
    )
    assert method.verification == PaymentMethod.Verification.PENDING
    assert bank_account_verify(method=method, amounts=DEPOSITS).verified
    method.refresh_from_db()
    return method


def pay(contact, method, invoice=None) -> Payment:
    invoice = invoice or due_invoice(contact)
    with committed():
        return invoice_pay(
            invoice_id=invoice.pk,
            contact=contact,
            company=Company.load(),
            method=method,
            amount=Decimal("100.00"),
            idempotency_key=key(),
        )


def webhooks_of(payment, kind):
    with committed():
        for event in sandbox_events(payment, kind):
            processor_event_apply(processor="sandbox", event=delivered(event))


def test_a_bank_account_is_not_charged_before_its_deposits_are_confirmed(contact):
    method = bank_account_add(
        contact=contact,
        token=bank_account_token(),
        holder_name="Alice",
        saved_by=None,
        make_default=True,
    )
    invoice = due_invoice(contact)

    assert not method.is_default  # a default is verified
    assert "not verified yet" in payment_problem(
        invoice=invoice, contact=contact, method=method, amount=Decimal("100.00")
    )
    with pytest.raises(PaymentRefused, match="not verified yet"):
        pay(contact, method, invoice)
    assert not Payment.objects.exists()


def test_wrong_deposits_three_times_and_the_account_cannot_be_verified(contact):
    method = bank_account_add(
        contact=contact,
        token=bank_account_token(),
        holder_name="Alice",
        saved_by=None,
        make_default=False,
    )
    wrong = (Decimal("0.12"), Decimal("0.34"))

    first = bank_account_verify(method=method, amounts=wrong)
    second = bank_account_verify(method=method, amounts=wrong)
    third = bank_account_verify(method=method, amounts=wrong)

    assert (first.verified, first.tries_left, "2 tries left" in first.message) == (False, 2, True)
    assert (second.tries_left, "1 try left" in second.message) == (1, True)
    assert "last try" in third.message
    method.refresh_from_db()
    assert method.verification == PaymentMethod.Verification.FAILED
    assert not method.chargeable


def test_verified_it_becomes_the_default_bank_account_beside_the_default_card(contact):
    method = verified_account(contact)

    assert method.is_default
    assert method.chargeable


def test_a_bank_payment_is_processing_then_cleared_by_the_webhook_with_its_receipt(contact):
    payment = pay(contact, verified_account(contact))

    assert payment.status == Payment.Status.PENDING
    assert payment.processing
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    assert invoice.status == Invoice.Status.OPEN  # not paid yet...
    assert "already being processed" in payment_problem(  # ...nor payable twice
        invoice=invoice, contact=contact, method=payment.method, amount=Decimal("1.00")
    )
    with committed():
        assert payments_reconcile(now=payment.created_at + timedelta(days=2)).total == 0

    clock_advance(days=5)
    webhooks_of(payment, "charge.succeeded")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert receipts(payment) == 1
    assert InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_RECEIVED, payment=payment).exists()


def test_a_returned_bank_payment_reopens_the_invoice_and_tells_the_customer_and_staff(contact):
    payment = pay(contact, verified_account(contact, INSUFFICIENT_FUNDS))

    clock_advance(days=5)
    webhooks_of(payment, "charge.failed")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_message == "Your bank returned the payment: insufficient funds."
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.balance == Decimal("100.00")
    assert (
        payment_problem(
            invoice=invoice, contact=contact, method=payment.method, amount=Decimal("100.00")
        )
        == ""
    )  # payable again
    [told] = OutgoingEmail.objects.filter(
        to_address=contact.email, kind=OutgoingEmail.Kind.NOTIFICATION
    )
    assert "did not go through" in told.subject
    assert "insufficient funds" in told.body_text
    assert f"/invoices/{invoice.pk}/" in told.body_text
    item = InboxItem.objects.get(kind=InboxItem.Kind.PAYMENT_FAILED, payment=payment)
    assert "insufficient funds" in item.data["reason"]
    assert receipts(payment) == 0


def test_a_bank_payment_still_clearing_after_a_week_is_asked_about_and_listed(contact):
    payment = pay(contact, verified_account(contact))

    with committed():
        run = payments_reconcile(now=payment.processing_at + timedelta(days=8))

    assert (run.total, run.pending, run.listed) == (1, 1, 1)
    item = InboxItem.objects.get(kind=InboxItem.Kind.PAYMENT_PENDING, payment=payment)
    assert item.data["reconciliation"] == "bank payment still clearing"
