import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from trellis.billing.ledger import invoice_settle, paid_status
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import PaymentUnavailable, invoice_pay
from trellis.billing.recorded_payments import payment_reverse
from trellis.billing.services import invoice_issue, invoice_void
from trellis.billing.tests.methods import DECLINED, TIMES_OUT_ONCE, key, saved_card
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.testing.factories import (
    ImportedPaymentFactory,
    InvoiceFactory,
    OfflinePaymentFactory,
    PropertyContactFactory,
)

pytestmark = pytest.mark.django_db

Status = Invoice.Status


@pytest.fixture
def invoice(alice):
    """A printed open invoice of 100.00, which Alice pays as its Billing contact."""
    link = PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.BILLING)
    return InvoiceFactory(property=link.property, printed_at=timezone.now())


def pay_in_portal(invoice, contact, amount, card=None):
    method = saved_card(contact) if card is None else saved_card(contact, card)
    try:
        return invoice_pay(
            invoice_id=invoice.pk,
            contact=contact,
            company=Company.load(),
            method=method,
            amount=Decimal(amount),
            idempotency_key=key(),
        )
    except PaymentUnavailable as unanswered:
        return unanswered.payment


def record(invoice, amount, *, days_ago=0, **fields):
    return OfflinePaymentFactory(
        invoice=invoice,
        amount=Decimal(amount),
        received_on=timezone.localdate() - dt.timedelta(days=days_ago),
        **fields,
    )


def reverse(payment):
    return payment_reverse(payment_id=payment.pk, reason="Entered twice.", actor=None)


def fresh(invoice):
    invoice.refresh_from_db()
    return invoice


def noon_utc(days_ago):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def test_the_amount_paid_is_the_sum_of_succeeded_payments_from_the_portal_staff_and_the_import(
    invoice, alice
):
    pay_in_portal(invoice, alice.contact, "30.00")
    record(invoice, "20.00")
    ImportedPaymentFactory(invoice=invoice, amount=Decimal("10.00"))

    invoice = fresh(invoice)
    assert invoice.amount_paid == Decimal("60.00")
    assert invoice.balance == Decimal("40.00")
    assert invoice.status == Status.PARTIALLY_PAID


def test_failed_pending_and_reversed_payments_do_not_count(invoice, alice):
    assert pay_in_portal(invoice, alice.contact, "50.00", DECLINED).status == "failed"
    assert pay_in_portal(invoice, alice.contact, "20.00", TIMES_OUT_ONCE).status == "pending"
    reverse(record(invoice, "30.00"))
    reverse(ImportedPaymentFactory(invoice=invoice, amount=Decimal("5.00")))

    invoice = fresh(invoice)
    assert invoice.amount_paid == 0
    assert invoice.status == Status.OPEN

    record(invoice, "10.00")
    assert fresh(invoice).amount_paid == Decimal("10.00")


def test_the_status_follows_the_payments_there_and_back(invoice):
    first = record(invoice, "40.00")
    assert fresh(invoice).status == Status.PARTIALLY_PAID
    second = record(invoice, "60.00")
    assert fresh(invoice).status == Status.PAID

    reverse(second)
    assert fresh(invoice).status == Status.PARTIALLY_PAID
    reverse(first)
    assert (fresh(invoice).status, invoice.amount_paid) == (Status.OPEN, 0)


@pytest.mark.parametrize(
    ("total", "paid", "status"),
    [
        ("100.00", "0.00", Status.OPEN),
        ("100.00", "0.01", Status.PARTIALLY_PAID),
        ("100.00", "99.99", Status.PARTIALLY_PAID),
        ("100.00", "100.00", Status.PAID),
        ("0.00", "0.00", Status.PAID),  # nothing is owed on it
    ],
)
def test_an_issued_invoices_status_is_what_was_paid_of_its_total(total, paid, status):
    assert paid_status(total=Decimal(total), amount_paid=Decimal(paid)) == status


def test_paid_at_is_when_the_completing_payment_was_received(invoice):
    record(invoice, "40.00", days_ago=3)
    assert fresh(invoice).paid_at is None

    record(invoice, "60.00", days_ago=1)

    assert fresh(invoice).paid_at == noon_utc(1)


def test_paid_at_is_the_last_money_in_whatever_order_it_was_entered(invoice):
    record(invoice, "60.00", days_ago=1)
    record(invoice, "40.00", days_ago=5)  # a cheque found in a drawer

    assert fresh(invoice).paid_at == noon_utc(1)


def test_paid_at_of_a_portal_payment_is_when_the_processor_took_it(invoice, alice):
    record(invoice, "40.00", days_ago=2)
    payment = pay_in_portal(invoice, alice.contact, "60.00")

    assert fresh(invoice).paid_at == payment.completed_at


def test_money_received_today_is_not_paid_later_today(invoice, time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 10, 8, 15, tzinfo=dt.UTC), tick=False)
    payment = record(invoice, "100.00")

    assert payment.completed_at == fresh(invoice).paid_at == timezone.now()


def test_paid_at_clears_when_a_reversal_opens_the_balance_again(invoice):
    record(invoice, "40.00", days_ago=3)
    last = record(invoice, "60.00", days_ago=1)

    reverse(last)

    invoice = fresh(invoice)
    assert invoice.paid_at is None
    assert invoice.balance == Decimal("60.00")

    again = record(invoice, "60.00")
    assert fresh(invoice).paid_at == again.completed_at


def test_a_draft_keeps_its_status_even_when_nothing_is_owed():
    draft = InvoiceFactory(
        status=Status.DRAFT, lines=[{"description": "Free visit", "unit_price": Decimal(0)}]
    )

    invoice_settle(invoice=draft)

    draft = fresh(draft)
    assert (draft.status, draft.total, draft.amount_paid, draft.paid_at) == (
        Status.DRAFT,
        0,
        0,
        None,
    )
    assert invoice_issue(invoice_id=draft.pk, actor=None).status == Status.PAID


def test_a_void_invoice_keeps_its_status_and_counts_no_reversed_payment(invoice):
    reverse(record(invoice, "100.00"))
    invoice_void(invoice_id=invoice.pk, actor=None, reason="Sent to the wrong customer.")

    invoice_settle(invoice=fresh(invoice))

    invoice = fresh(invoice)
    assert (invoice.status, invoice.amount_paid, invoice.paid_at) == (Status.VOID, 0, None)
    assert invoice.payments.get().status == Payment.Status.REVERSED
