from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import (
    PaymentRefused,
    PaymentUnavailable,
    invoice_pay,
    invoices_pay_all,
    payment_retry,
)
from trellis.billing.services import invoice_void
from trellis.billing.tests.methods import DECLINED, TIMES_OUT_ONCE, due_invoice, key, saved_card
from trellis.billing.tests.test_payment_methods import expired_method
from trellis.company.models import Company
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as ProcessorCharge
from trellis.testing.factories import ContactFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


@pytest.fixture
def company():
    return Company.load()


def pay(invoice, contact, company, method, amount, idempotency_key=None):
    # The receipt and the inbox item are made once the payment commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return invoice_pay(
            invoice_id=invoice.pk,
            contact=contact,
            company=company,
            method=method,
            amount=Decimal(amount),
            idempotency_key=idempotency_key or key(),
        )


def charges():
    """The charges the sandbox processor made, as its own ledger has them."""
    return ProcessorCharge.objects.filter(status=ProcessorCharge.Status.SUCCEEDED).count()


def test_paying_part_of_a_due_invoice_leaves_it_partially_paid_with_a_receipt(contact, company):
    invoice = due_invoice(contact)
    payment = pay(invoice, contact, company, saved_card(contact), "40.00")

    invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.processor_reference.startswith("ch_")
    assert payment.completed_at is not None
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.amount_paid == Decimal("40.00")
    assert invoice.balance == Decimal("60.00")
    assert invoice.paid_at is None
    [receipt] = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT)
    assert receipt.to_address == "alice@example.com"
    assert invoice.number in receipt.subject
    assert "40.00" in receipt.body_text
    assert AuditEntry.objects.filter(action="payment.succeeded").count() == 1


def test_paying_the_rest_makes_it_paid_with_a_paid_time(contact, company):
    invoice = due_invoice(contact)
    method = saved_card(contact)
    pay(invoice, contact, company, method, "40.00")
    pay(invoice, contact, company, method, "60.00")

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance == 0
    assert invoice.paid_at is not None
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT).count() == 2


def test_a_paid_invoice_is_refused(contact, company):
    invoice = due_invoice(contact)
    pay(invoice, contact, company, saved_card(contact), "100.00")
    with pytest.raises(PaymentRefused, match="already paid"):
        pay(invoice, contact, company, saved_card(contact), "1.00")


@pytest.mark.parametrize("status", [Invoice.Status.VOID, Invoice.Status.DRAFT])
def test_an_invoice_that_is_not_due_is_refused(contact, company, status):
    # The portal does not show a draft or void invoice at all, printed or not
    # (trellis.visibility): it is not found, which the portal answers with a 404.
    invoice = due_invoice(contact, status=Invoice.Status.DRAFT)
    if status == Invoice.Status.VOID:
        invoice_void(invoice_id=invoice.pk, actor=None, reason="Sent in error.")
    with pytest.raises(Invoice.DoesNotExist):
        pay(invoice, contact, company, saved_card(contact), "1.00")
    assert not Payment.objects.exists()
    assert charges() == 0


def test_another_contacts_method_is_refused(contact, company):
    invoice = due_invoice(contact)
    with pytest.raises(PaymentRefused, match="saved payment methods"):
        pay(invoice, contact, company, saved_card(ContactFactory()), "10.00")
    assert not Payment.objects.exists()


def test_a_removed_method_is_refused(contact, company):
    invoice = due_invoice(contact)
    method = saved_card(contact, removed_at=timezone.now())
    with pytest.raises(PaymentRefused, match="saved payment methods"):
        pay(invoice, contact, company, method, "10.00")


def test_an_expired_method_is_refused(contact, company):
    invoice = due_invoice(contact)
    method = expired_method(contact)  # saved years ago: the processor takes no expired card now
    with pytest.raises(PaymentRefused, match="expired"):
        pay(invoice, contact, company, method, "10.00")


@pytest.mark.parametrize("amount", ["0", "-5.00", "100.01", "0.001"])
def test_an_amount_of_zero_negative_or_above_the_balance_is_refused(contact, company, amount):
    invoice = due_invoice(contact)
    with pytest.raises(PaymentRefused):
        pay(invoice, contact, company, saved_card(contact), amount)
    assert not Payment.objects.exists()
    assert charges() == 0


def test_someone_elses_invoice_does_not_exist_for_the_contact(contact, company):
    theirs = InvoiceFactory(printed_at=timezone.now())
    with pytest.raises(Invoice.DoesNotExist):
        pay(theirs, contact, company, saved_card(contact), "10.00")


def test_a_declined_card_records_a_failed_payment_and_charges_nothing(contact, company):
    invoice = due_invoice(contact)
    payment = pay(invoice, contact, company, saved_card(contact, DECLINED), "50.00")

    invoice.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_message == "Your card was declined."
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.balance == Decimal("100.00")
    assert charges() == 0
    assert not OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT).exists()


def test_a_timeout_leaves_the_payment_pending_and_a_retry_charges_once(contact, company):
    invoice = due_invoice(contact)
    method = saved_card(contact, TIMES_OUT_ONCE)
    with pytest.raises(PaymentUnavailable, match="not been charged twice") as problem:
        pay(invoice, contact, company, method, "100.00")
    pending = problem.value.payment
    assert Payment.objects.get().status == Payment.Status.PENDING
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("100.00")

    payment = payment_retry(payment=pending, company=company)

    invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert invoice.status == Invoice.Status.PAID
    assert charges() == 1
    assert payment_retry(payment=payment, company=company) == payment
    assert charges() == 1


def test_resubmitting_after_a_timeout_with_the_same_key_charges_once(contact, company):
    invoice = due_invoice(contact)
    method = saved_card(contact, TIMES_OUT_ONCE)
    same = key()
    with pytest.raises(PaymentUnavailable):
        pay(invoice, contact, company, method, "100.00", same)

    payment = pay(invoice, contact, company, method, "100.00", same)

    assert payment.status == Payment.Status.SUCCEEDED
    assert Payment.objects.count() == 1
    assert charges() == 1


def test_a_pending_payment_reserves_its_amount(contact, company):
    invoice = due_invoice(contact)
    with pytest.raises(PaymentUnavailable):
        pay(invoice, contact, company, saved_card(contact, TIMES_OUT_ONCE), "100.00")
    with pytest.raises(PaymentRefused, match="already being processed"):
        pay(invoice, contact, company, saved_card(contact), "100.00")


def test_resubmitting_the_same_key_returns_the_same_payment(contact, company):
    invoice = due_invoice(contact)
    method = saved_card(contact)
    same = key()
    first = pay(invoice, contact, company, method, "30.00", same)
    again = pay(invoice, contact, company, method, "30.00", same)

    invoice.refresh_from_db()
    assert again == first
    assert invoice.amount_paid == Decimal("30.00")
    assert charges() == 1


def test_a_key_of_another_invoice_is_refused(contact, company):
    method = saved_card(contact)
    same = key()
    pay(due_invoice(contact), contact, company, method, "30.00", same)
    with pytest.raises(PaymentRefused):
        pay(due_invoice(contact), contact, company, method, "30.00", same)


def test_pay_all_pays_each_due_invoice_once(contact, company):
    first, second = due_invoice(contact), due_invoice(contact)
    paid = due_invoice(contact)
    pay(paid, contact, company, saved_card(contact), "100.00")
    method = saved_card(contact)
    batch = key()

    results = invoices_pay_all(contact=contact, company=company, method=method, batch_key=batch)
    again = invoices_pay_all(contact=contact, company=company, method=method, batch_key=batch)

    assert {r.invoice for r in results} == {first, second}
    assert all(r.payment.status == Payment.Status.SUCCEEDED for r in results)
    assert again == []
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
    assert charges() == 3


def test_pay_all_of_one_property_pays_only_its_invoices(contact, company):
    first, other = due_invoice(contact), due_invoice(contact)
    results = invoices_pay_all(
        contact=contact,
        company=company,
        method=saved_card(contact),
        batch_key=key(),
        property_id=first.property_id,
    )
    assert [r.invoice for r in results] == [first]
    other.refresh_from_db()
    assert other.status == Invoice.Status.OPEN


def test_pay_all_reports_a_decline_per_invoice(contact, company):
    due_invoice(contact)
    due_invoice(contact)
    results = invoices_pay_all(
        contact=contact, company=company, method=saved_card(contact, DECLINED), batch_key=key()
    )
    assert [r.error for r in results] == ["Your card was declined."] * 2


def test_the_office_invoice_page_lists_each_payment_with_its_outcome(
    client, staff, contact, company
):
    invoice = due_invoice(contact)
    pay(invoice, contact, company, saved_card(contact), "30.00")
    pay(invoice, contact, company, saved_card(contact, DECLINED), "20.00")
    client.force_login(staff)

    response = client.get(reverse("office:invoice", kwargs={"invoice_id": invoice.pk}))

    payments = response.text.split('id="invoice-payments"')[1].split("</section>")[0]
    succeeded = Payment.objects.get(status=Payment.Status.SUCCEEDED)
    for text in [succeeded.processor_reference, "Your card was declined.", "Succeeded", "Failed"]:
        assert text in payments
    # A payment made in the portal is refunded through the processor, never reversed here.
    assert "Reverse</button>" not in payments
    assert "payment-reverse" not in payments
