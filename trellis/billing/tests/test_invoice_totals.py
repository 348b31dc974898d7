from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from trellis.billing.models import Invoice
from trellis.billing.services import invoice_set_lines
from trellis.testing.factories import InvoiceFactory

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


def test_an_issued_invoice_takes_its_status_from_what_was_paid():
    invoice = InvoiceFactory.build(amount_paid=Decimal("40.00"), property=InvoiceFactory().property)
    invoice_set_lines(
        invoice=invoice, lines=[{"description": "Edging", "unit_price": Decimal("100")}]
    )
    assert invoice.status == Invoice.Status.PARTIALLY_PAID

    invoice.amount_paid = Decimal("100.00")
    invoice_set_lines(
        invoice=invoice, lines=[{"description": "Edging", "unit_price": Decimal("100")}]
    )
    assert invoice.status == Invoice.Status.PAID


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
