import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.office.tests.forms import form_data
from trellis.testing.factories import InvoiceFactory, OfflinePaymentFactory, PropertyFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:billing_invoice_add")
INVOICES = reverse("admin:billing_invoice_changelist")


def change_url(invoice):
    return reverse("admin:billing_invoice_change", args=[invoice.pk])


def lines_formset(response):
    [lines] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "lines"
    ]
    return lines


def test_saving_an_invoice_with_lines_in_the_office_sets_its_totals_as_a_draft(office):
    data = form_data(office.get(ADD)) | {
        "number": "INV-1001",
        "property": PropertyFactory().pk,
        "status": Invoice.Status.OPEN,  # read only: a new invoice is a draft
        "issued_on": "2026-03-01",
        "due_on": "2026-03-31",
        "tax_rate": "8.25",
        "lines-TOTAL_FORMS": "2",
        "lines-0-description": "Mulch",
        "lines-0-quantity": "3",
        "lines-0-unit_price": "33.33",
        "lines-0-taxable": "on",
        "lines-1-description": "Labour",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "120.00",
    }

    response = office.post(ADD, data)

    assert response.status_code == 302, response.context["errors"]
    invoice = Invoice.objects.get(number="INV-1001")
    assert invoice.status == Invoice.Status.DRAFT
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("219.99"),
        Decimal("8.25"),
        Decimal("228.24"),
    )
    assert [(line.position, line.description) for line in invoice.lines.all()] == [
        (0, "Mulch"),
        (1, "Labour"),
    ]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_repr) == ("invoice.created", "Invoice INV-1001")
    assert {"added": {"name": "invoice line", "object": "Labour"}} in entry.data["changes"]


def test_changing_a_line_and_the_tax_rate_updates_the_totals(office):
    invoice = InvoiceFactory()  # one taxable line of 100.00
    data = form_data(office.get(change_url(invoice))) | {
        "tax_rate": "10",
        "lines-0-unit_price": "50.00",
    }

    response = office.post(change_url(invoice), data)

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("55.00"),
    )


def test_a_deleted_line_no_longer_counts(office):
    invoice = InvoiceFactory(
        lines=[
            {"description": "Edging", "unit_price": Decimal("40.00")},
            {"description": "Mowing", "unit_price": Decimal("60.00")},
        ]
    )
    data = form_data(office.get(change_url(invoice))) | {"lines-0-DELETE": "on"}

    office.post(change_url(invoice), data)

    invoice.refresh_from_db()
    assert invoice.total == Decimal("60.00")
    assert [line.description for line in invoice.lines.all()] == ["Mowing"]


def test_lines_that_come_to_less_than_zero_are_refused_with_a_message(office):
    invoice = InvoiceFactory()
    data = form_data(office.get(change_url(invoice))) | {"lines-0-unit_price": "-10.00"}

    response = office.post(change_url(invoice), data)

    assert response.status_code == 200
    assert lines_formset(response).non_form_errors() == [
        "The invoice can't come to less than zero."
    ]
    invoice.refresh_from_db()
    assert invoice.total == Decimal("100.00")


def test_a_discount_on_taxable_lines_larger_than_them_is_refused_with_a_message(office):
    invoice = InvoiceFactory(tax_rate=Decimal(10))  # one taxable line, now a discount
    data = form_data(office.get(change_url(invoice))) | {
        "lines-0-unit_price": "-10.00",
        "lines-1-description": "Labour",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "50.00",
    }
    del data["lines-1-taxable"]

    response = office.post(change_url(invoice), data)

    assert lines_formset(response).non_form_errors() == [
        "The taxable lines can't add up to less than zero."
    ]


def test_lines_that_come_to_less_than_what_was_paid_are_refused_with_a_message(office):
    invoice = InvoiceFactory()
    OfflinePaymentFactory(invoice=invoice, amount=Decimal("40.00"))
    data = form_data(office.get(change_url(invoice))) | {"lines-0-unit_price": "30.00"}

    response = office.post(change_url(invoice), data)

    assert lines_formset(response).non_form_errors() == [
        f"These lines come to 30.00, less than the 40.00 already paid on {invoice}."
    ]


def test_lines_that_come_to_less_than_a_payment_being_processed_are_refused(office):
    invoice = InvoiceFactory()  # 100.00
    Payment.objects.create(
        invoice=invoice, amount=Decimal("80.00"), idempotency_key="pending-1"
    )  # a card payment the processor has not answered yet
    data = form_data(office.get(change_url(invoice))) | {"lines-0-unit_price": "50.00"}

    response = office.post(change_url(invoice), data)

    assert lines_formset(response).non_form_errors() == [
        f"These lines come to 50.00, less than the 80.00 paid or being processed on {invoice}."
    ]
    invoice.refresh_from_db()
    assert invoice.total == Decimal("100.00")


@pytest.mark.parametrize(
    ("status", "posted"),
    [(Invoice.Status.OPEN, Invoice.Status.PAID), (Invoice.Status.DRAFT, Invoice.Status.OPEN)],
)
def test_a_status_posted_with_the_invoice_form_changes_nothing(office, status, posted):
    invoice = InvoiceFactory(status=status)
    page = office.get(change_url(invoice))
    assert "status" not in page.context["adminform"].form.fields

    response = office.post(change_url(invoice), form_data(page) | {"status": posted})

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == status


def test_the_amount_paid_is_not_changed_in_the_office(office):
    invoice = InvoiceFactory()
    data = form_data(office.get(change_url(invoice))) | {"amount_paid": "100.00"}

    office.post(change_url(invoice), data)

    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("0.00")


def test_the_invoice_list_shows_the_balance_and_whether_it_is_published(office):
    invoice = InvoiceFactory(printed_at=timezone.now())
    OfflinePaymentFactory(invoice=invoice, amount=Decimal("40.00"))

    response = office.get(INVOICES)

    assert "Published" in response.text
    assert "60.00" in response.text
    [listed] = response.context["cl"].result_list
    assert listed.balance_due == Decimal("60.00")


@pytest.mark.parametrize(
    ("published", "expected"), [("yes", {"printed", "emailed"}), ("no", {"draft"})]
)
def test_the_published_filter_tells_printed_or_emailed_invoices_from_the_rest(
    office, published, expected
):
    InvoiceFactory(number="printed", printed_at=timezone.now())
    InvoiceFactory(number="emailed", emailed_at=timezone.now())
    InvoiceFactory(number="draft", status=Invoice.Status.DRAFT)

    response = office.get(INVOICES, {"published": published})

    assert {i.number for i in response.context["cl"].result_list} == expected


def test_invoices_are_filtered_by_due_date(office):
    today = timezone.now().date()
    InvoiceFactory(number="soon", issued_on=today, due_on=today)
    InvoiceFactory(number="later", issued_on=today, due_on=today + dt.timedelta(days=60))

    response = office.get(
        INVOICES,
        {"due_on__gte": today.isoformat(), "due_on__lt": (today + dt.timedelta(1)).isoformat()},
    )

    assert [i.number for i in response.context["cl"].result_list] == ["soon"]


def test_the_invoice_list_offers_no_action_that_changes_a_status(office):
    response = office.get(INVOICES)

    assert set(response.context["action_form"].fields["action"].choices) == {
        ("", "---------"),
        ("delete_selected", "Delete selected invoices"),
        ("email_to_customer", "Email to customer"),
    }
    assert not response.context["cl"].list_editable
