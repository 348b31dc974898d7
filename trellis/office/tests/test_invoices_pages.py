"""The office's invoices list and an invoice's page."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, InvoiceLine, Payment
from trellis.customers.models import PropertyContact
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.testing.factories import (
    ContactFactory,
    ImportedPaymentFactory,
    InvoiceFactory,
    OfflinePaymentFactory,
    PropertyContactFactory,
    PropertyFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("office:invoices")
Status = Invoice.Status


def page_of(invoice):
    return reverse("office:invoice", args=[invoice.pk])


def numbers(response):
    return [row.document.number for row in response.context["rows"]]


def row_of(response, invoice):
    return response.text.split(f'data-invoice="{invoice.pk}"')[1].split("</tr>")[0]


@pytest.fixture
def oak():
    return PropertyFactory(name="Oak Street")


@pytest.fixture
def bill(oak):
    bill = ContactFactory(first_name="Bill", last_name="Payne", email="bill@example.com")
    PropertyContactFactory(property=oak, contact=bill, role=PropertyContact.Role.BILLING)
    return bill


def paid(invoice, amount):
    return OfflinePaymentFactory(invoice=invoice, amount=Decimal(amount), send_receipt=False)


def test_the_list_shows_the_balance_the_payments_leave(office, oak):
    invoice = InvoiceFactory(number="INV-1001", property=oak, emailed_at=timezone.now())
    paid(invoice, "40.00")

    row = row_of(office.get(LIST), invoice)

    assert "INV-1001" in row and "Oak Street" in row and "Partially paid" in row
    assert ">100.00<" in row and ">60.00<" in row
    assert "Emailed" in row


def test_the_list_filters_by_status_property_publishing_and_number(office, oak):
    InvoiceFactory(number="INV-1001", property=oak, status=Status.DRAFT)
    InvoiceFactory(number="INV-1002", property=oak, printed_at=timezone.now())
    InvoiceFactory(number="INV-2001")

    assert numbers(office.get(LIST, {"status": "draft"})) == ["INV-1001"]
    assert sorted(numbers(office.get(LIST, {"property": oak.pk}))) == ["INV-1001", "INV-1002"]
    assert numbers(office.get(LIST, {"published": "yes"})) == ["INV-1002"]
    assert sorted(numbers(office.get(LIST, {"q": "inv-10"}))) == ["INV-1001", "INV-1002"]
    assert numbers(office.get(LIST, {"q": "INV-2001", "property": oak.pk})) == []


def test_filtering_by_a_property_says_which_and_offers_them_all_again(office, oak):
    InvoiceFactory(property=oak)

    response = office.get(LIST, {"property": oak.pk, "status": "open"})

    assert "Oak Street" in response.text.split('id="property-filter"')[1]
    assert 'href="/office/invoices/?status=open"' in response.text


def test_the_list_is_paginated(office):
    prop = PropertyFactory()
    for n in range(51):
        InvoiceFactory(number=f"INV-{n:04d}", property=prop)

    assert len(numbers(office.get(LIST))) == 50
    assert len(numbers(office.get(LIST, {"page": 2}))) == 1


def test_the_list_runs_as_many_queries_for_500_invoices_as_for_5(office, greenway):
    prop = PropertyFactory()
    today = timezone.localdate()

    def add(n):
        start = Invoice.objects.count()
        Invoice.objects.bulk_create(
            Invoice(
                property=prop,
                number=f"INV-{start + i:05d}",
                status=Status.OPEN,
                issued_on=today,
                due_on=today,
                subtotal=Decimal("10.00"),
                total=Decimal("10.00"),
            )
            for i in range(n)
        )

    assert assert_queries_do_not_grow(office, LIST, add_rows=add) <= 10


def test_staff_who_may_not_see_invoices_are_refused(client):
    client.force_login(StaffFactory())

    assert client.get(LIST).status_code == 403


def test_the_page_shows_lines_totals_status_and_property(office, oak, bill):
    invoice = InvoiceFactory(
        number="INV-1001",
        property=oak,
        tax_rate=Decimal("10"),
        lines=[
            {"description": "Maintenance", "unit_price": Decimal("100.00")},
            {"description": "Mulch", "unit_price": Decimal("20.00"), "taxable": False},
        ],
    )

    response = office.get(page_of(invoice))

    assert response.status_code == 200
    assert "Maintenance" in response.text and "Mulch" in response.text
    totals = response.text.split('id="invoice-totals"')[1].split("</tfoot>")[0]
    assert ">120.00<" in totals and ">10.00<" in totals and "<strong>130.00</strong>" in totals
    assert response.context["status_panel"].status == "Open"
    assert [b.name for b in response.context["status_panel"].buttons] == [
        "record_payment",
        "void",
    ]
    assert response.context["property_url"] in response.text
    assert "Bill Payne" in response.text.split('id="document-publishing"')[1]


def test_the_page_lists_the_payments_and_the_balance_they_leave(office, oak, staff):
    invoice = InvoiceFactory(property=oak)
    cheque = paid(invoice, "30.00")
    imported = ImportedPaymentFactory(invoice=invoice, amount=Decimal("20.00"))

    response = office.get(page_of(invoice))

    payments = response.text.split('id="invoice-payments"')[1].split("</section>")[0]
    assert f'id="payment-{cheque.pk}"' in payments and f'id="payment-{imported.pk}"' in payments
    assert "Recorded by staff" in payments and "Imported" in payments and "Cheque" in payments
    assert payments.count("Reverse</button>") == 2
    assert "<strong>50.00</strong>" in response.text.split('id="invoice-balance"')[1][:40]


def test_a_reversed_payment_says_who_reversed_it_and_why(office, oak, staff):
    from trellis.billing.recorded_payments import payment_reverse

    invoice = InvoiceFactory(property=oak)
    payment_reverse(payment_id=paid(invoice, "30.00").pk, reason="It bounced", actor=staff)

    payments = office.get(page_of(invoice)).text.split('id="invoice-payments"')[1]

    assert "Reversed by Jane Smith on" in payments and "It bounced" in payments
    assert "Reverse</button>" not in payments


def test_staff_who_may_only_view_invoices_get_no_buttons(client, oak):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(viewer)
    invoice = InvoiceFactory(property=oak)
    paid(invoice, "30.00")

    response = client.get(page_of(invoice))

    assert response.status_code == 200
    assert response.context["status_panel"].buttons == []
    assert "Reverse</button>" not in response.text
    assert "Staff who may change invoices can print or email it." in response.text


def test_a_missing_invoice_is_not_found(office):
    assert office.get(reverse("office:invoice", args=[987654])).status_code == 404


def test_the_page_runs_as_many_queries_for_500_lines_as_for_5(office, greenway, oak, bill):
    invoice = InvoiceFactory(property=oak)

    def add(n):
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, description=f"Line {i}", unit_price=Decimal("1.00"))
            for i in range(n)
        )

    assert assert_queries_do_not_grow(office, page_of(invoice), add_rows=add) <= 15


def test_the_page_runs_as_many_queries_for_500_payments_as_for_5(office, greenway, oak, bill):
    invoice = InvoiceFactory(
        property=oak, lines=[{"description": "Big job", "unit_price": Decimal("100000.00")}]
    )
    recorder = StaffFactory()

    def add(n):
        start = Payment.objects.count()
        Payment.objects.bulk_create(
            Payment(
                invoice=invoice,
                source=Payment.Source.OFFLINE,
                status=Payment.Status.SUCCEEDED,
                amount=Decimal("1.00"),
                means=Payment.Means.CASH,
                idempotency_key=f"test-{start + i}",
                received_on=timezone.localdate(),
                recorded_by=recorder,
                completed_at=timezone.now(),
            )
            for i in range(n)
        )
        invoice_settle(invoice=invoice)

    assert assert_queries_do_not_grow(office, page_of(invoice), add_rows=add) <= 15
