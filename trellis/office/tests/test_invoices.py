"""Invoices in the raw-data admin (superusers only): their rows as stored, to
read. Nothing there changes an invoice, its status or what is paid on it: that
is the services' (trellis/billing), through the office's invoice pages."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice
from trellis.testing.factories import InvoiceFactory, OfflinePaymentFactory, StaffFactory

pytestmark = pytest.mark.django_db

INVOICES = reverse("admin:billing_invoice_changelist")


def change_url(invoice):
    return reverse("admin:billing_invoice_change", args=[invoice.pk])


@pytest.fixture
def raw_data(client, staff):
    """Jane, a superuser, in the raw-data admin."""
    client.force_login(staff)
    return client


def test_a_superuser_reads_an_invoice_with_its_lines_and_payments(raw_data):
    invoice = InvoiceFactory(number="INV-1001")
    OfflinePaymentFactory(invoice=invoice, amount=Decimal("40.00"))

    response = raw_data.get(change_url(invoice))

    assert response.status_code == 200
    assert "INV-1001" in response.text and "40.00" in response.text
    assert 'type="submit" value="Save"' not in response.text


@pytest.mark.parametrize(
    ("status", "posted"),
    [(Invoice.Status.OPEN, Invoice.Status.PAID), (Invoice.Status.DRAFT, Invoice.Status.OPEN)],
)
def test_a_status_or_an_amount_paid_posted_to_the_raw_data_page_changes_nothing(
    raw_data, status, posted
):
    invoice = InvoiceFactory(status=status)

    response = raw_data.post(
        change_url(invoice), {"status": posted, "amount_paid": "100.00", "total": "0.00"}
    )

    assert response.status_code == 403
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.total) == (
        status,
        Decimal("0.00"),
        Decimal("100.00"),
    )
    assert not AuditEntry.objects.exists()


def test_invoices_are_not_added_in_the_raw_data_admin(raw_data):
    assert raw_data.get(reverse("admin:billing_invoice_add")).status_code == 403


def test_the_invoice_list_offers_no_action_and_no_field_to_edit(raw_data):
    InvoiceFactory()

    response = raw_data.get(INVOICES)

    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert not response.context["cl"].list_editable


def test_staff_who_may_change_invoices_but_are_not_superusers_are_refused_the_raw_data(client):
    clerk = StaffFactory()
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="billing"))
    client.force_login(clerk)
    invoice = InvoiceFactory()

    assert client.get(INVOICES).status_code == 403
    assert client.get(change_url(invoice)).status_code == 403
