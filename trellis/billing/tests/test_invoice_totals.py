from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from trellis.billing.models import Invoice
from trellis.billing.payments import PaymentUnavailable, invoice_pay
from trellis.billing.services import InvoiceChangeRefused, invoice_set_lines
from trellis.billing.tests.methods import TIMES_OUT_ONCE, due_invoice, key, saved_card
from trellis.company.models import Company
from trellis.testing.factories import InvoiceFactory, OfflinePaymentFactory

pytestmark = pytest.mark.django_db


def test_totals_come_from_the_lines_with_tax_on_taxable_lines_only():
    invoice = InvoiceFactory(
        tax_rate=Decimal("8.25"),
        lines=[
            {"description": "Mulch", "quantity": Decimal(3), "unit_price": Decimal("33.33")},
            {"description": "Labour", "unit_price": Decimal("120.00"), "taxable": False},
        ],
    )
    invoice.refresh_from_db()
    assert invoice.subtotal == Decimal("219.99")
    assert invoice.tax == Decimal("8.25")  # 8.25% of 99.99 = 8.249175, half up
    assert invoice.total == Decimal("228.24")
    assert invoice.balance == Decimal("228.24")
    assert [line.description for line in invoice.lines.all()] == ["Mulch", "Labour"]


def edging(price):
    return [{"description": "Edging", "unit_price": Decimal(price)}]


def test_an_issued_invoice_takes_its_status_from_what_was_paid():
    invoice = InvoiceFactory(lines=edging("100"))
    OfflinePaymentFactory(invoice=invoice, amount=Decimal("40.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTIALLY_PAID, 40)

    invoice_set_lines(invoice=invoice, lines=edging("40"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.PAID, 0)
    assert invoice.paid_at is not None

    invoice_set_lines(invoice=invoice, lines=edging("120"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.PARTIALLY_PAID, 80)
    assert invoice.paid_at is None


def test_the_amount_paid_set_by_hand_is_not_kept():
    invoice = InvoiceFactory.build(amount_paid=Decimal("40.00"), property=InvoiceFactory().property)
    invoice_set_lines(invoice=invoice, lines=edging("100"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.OPEN, 0)


def test_lines_that_come_to_less_than_what_was_paid_are_refused():
    invoice = InvoiceFactory(lines=edging("100"))
    OfflinePaymentFactory(invoice=invoice, amount=Decimal("40.00"))

    with pytest.raises(InvoiceChangeRefused, match=r"less than the 40\.00 already paid"):
        invoice_set_lines(invoice=invoice, lines=edging("39.99"))

    invoice.refresh_from_db()
    assert (invoice.total, invoice.lines.get().unit_price) == (100, 100)


def test_lines_that_come_to_less_than_what_is_being_paid_are_refused(alice):
    # The processor may already have taken the pending payment: when it
    # settles, it must fit the invoice's total.
    invoice = due_invoice(alice.contact, lines=edging("100"))
    with pytest.raises(PaymentUnavailable):
        invoice_pay(
            invoice_id=invoice.pk,
            contact=alice.contact,
            company=Company.load(),
            method=saved_card(alice.contact, TIMES_OUT_ONCE),
            amount=Decimal("80.00"),
            idempotency_key=key(),
        )

    with pytest.raises(InvoiceChangeRefused, match=r"less than the 80\.00 paid or being processed"):
        invoice_set_lines(invoice=invoice, lines=edging("79.99"))
    invoice_set_lines(invoice=invoice, lines=edging("80"))

    invoice.refresh_from_db()
    assert (invoice.total, invoice.status) == (80, Invoice.Status.OPEN)


def test_the_database_refuses_a_paid_invoice_with_a_balance():
    invoice = InvoiceFactory()
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=Decimal("10.00"), status=Invoice.Status.PARTIALLY_PAID
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)


def test_the_database_refuses_a_payment_recorded_on_an_open_invoice():
    invoice = InvoiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_paid=Decimal("10.00"))


def test_totals_whose_sum_is_inexact_in_binary_floating_point_are_accepted():
    # SQLite keeps decimals as binary floats: 2062.40 + 38.28 is 2100.6800000000003
    # there, so the total check must round before it compares.
    invoice = InvoiceFactory(
        tax_rate=Decimal("6.25"),
        lines=[
            {"description": "Wall repair", "unit_price": Decimal("1450.00"), "taxable": False},
            {"description": "Wall block", "unit_price": Decimal("612.40")},
        ],
    )
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("2062.40"),
        Decimal("38.28"),
        Decimal("2100.68"),
    )
