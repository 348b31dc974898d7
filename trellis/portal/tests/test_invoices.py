import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import ContactFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def numbers(response):
    return [invoice.number for invoice in response.context["page"].object_list]


def test_the_due_tab_lists_open_and_partly_paid_published_invoices(alice_client, alice):
    home = property_of(alice.contact)
    [open_one] = invoices(home, 1)
    [partly] = invoices(home, 1, status=Invoice.Status.PARTIALLY_PAID)
    invoices(home, 1, status=Invoice.Status.PAID)
    invoices(home, 1, published=False)
    invoices(home, 1, status=Invoice.Status.VOID)

    response = alice_client.get("/invoices/")

    assert set(numbers(response)) == {open_one.number, partly.number}


def test_paid_tabs_separate_the_last_six_months_from_all(alice_client, alice):
    home = property_of(alice.contact, role=PropertyContact.Role.BILLING)
    [recent] = invoices(home, 1, status=Invoice.Status.PAID)
    [old] = invoices(
        home, 1, status=Invoice.Status.PAID, paid=timezone.now() - dt.timedelta(days=200)
    )

    assert numbers(alice_client.get("/invoices/?status=recent")) == [recent.number]
    assert numbers(alice_client.get("/invoices/?status=paid")) == [recent.number, old.number]


def test_invoices_of_properties_where_the_contact_is_other_or_nothing_never_show(
    alice_client, alice
):
    invoices(property_of(alice.contact, role=PropertyContact.Role.OTHER), 2)
    invoices(property_of(ContactFactory()), 2)
    assert numbers(alice_client.get("/invoices/")) == []


def test_the_detail_shows_lines_totals_and_balance(alice_client, alice):
    invoice = InvoiceFactory(
        property=property_of(alice.contact),
        tax_rate=Decimal("8.25"),
        printed_at=timezone.now(),
        lines=[
            {"description": "Fall clean-up", "unit_price": Decimal("240.00")},
            {"description": "Labour", "unit_price": Decimal("100.00"), "taxable": False},
        ],
    )
    page = alice_client.get(f"/invoices/{invoice.pk}/").content.decode()
    for text in ["Fall clean-up", "$340.00", "$19.80", "$359.80", "Balance due"]:
        assert text in page


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_someone_elses_or_an_unpublished_invoice_answers_404(alice_client, alice, suffix):
    theirs = InvoiceFactory(printed_at=timezone.now())
    unpublished = InvoiceFactory(property=property_of(alice.contact))
    assert alice_client.get(f"/invoices/{theirs.pk}/{suffix}").status_code == 404
    assert alice_client.get(f"/invoices/{unpublished.pk}/{suffix}").status_code == 404
    assert alice_client.get(f"/invoices/{unpublished.pk + 999}/{suffix}").status_code == 404


def test_the_invoices_section_switched_off_hides_it_everywhere(alice_client, alice):
    [invoice] = invoices(property_of(alice.contact), 1)
    company = Company.load()
    company.invoices_enabled = False
    company.save()

    assert alice_client.get(f"/invoices/{invoice.pk}/").status_code == 404
    assert alice_client.get("/invoices/").status_code == 404
    home = alice_client.get("/").content.decode()
    assert "/invoices/" not in home
    assert "Current Balance" not in home


def test_the_list_is_paginated(alice_client, alice):
    invoices(property_of(alice.contact), 45)
    first = alice_client.get("/invoices/")
    assert len(numbers(first)) == 20
    assert len(numbers(alice_client.get("/invoices/?page=3"))) == 5


def queries(client, url):
    client.get(url)  # the first request of a session also refreshes the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/invoices/", "/invoices/?status=paid", "/"])
def test_pages_run_as_many_queries_for_500_invoices_as_for_5(alice_client, alice, url):
    home = property_of(alice.contact)
    invoices(home, 5)
    invoices(home, 5, status=Invoice.Status.PAID)
    with_five = queries(alice_client, url)
    invoices(home, 495)
    invoices(home, 495, status=Invoice.Status.PAID)
    assert queries(alice_client, url) == with_five


def test_the_detail_runs_as_many_queries_for_many_lines_as_for_few(alice_client, alice):
    home = property_of(alice.contact)
    few = InvoiceFactory(property=home, printed_at=timezone.now())
    many = InvoiceFactory(
        property=home,
        printed_at=timezone.now(),
        lines=[{"description": f"Line {n}", "unit_price": Decimal(1)} for n in range(60)],
    )
    assert queries(alice_client, f"/invoices/{few.pk}/") == queries(
        alice_client, f"/invoices/{many.pk}/"
    )
