import datetime as dt
import re
import uuid

import pytest
from django.db.models import Sum

from trellis.billing import payments
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import PAY_ALL_LIMIT
from trellis.billing.tests.methods import due_invoice, saved_card
from trellis.testing.documents import invoices

pytestmark = pytest.mark.django_db

URL = "/invoices/pay-all/"


def rows(page):
    return re.findall(r'<tr><td><a href="/invoices/(\d+)/">', page)


def shown_ids(page):
    return re.search(r'name="invoices" value="([0-9,]*)"', page)[1]


def batch_of(page):
    return re.search(r'name="batch_key" value="([0-9a-f]{32})"', page)[1]


def test_pay_all_due_with_2500_due_invoices_lists_the_50_oldest_and_says_how_many_more(
    alice_client, alice, django_assert_max_num_queries
):
    prop = due_invoice(alice.contact).property
    invoices(prop, 2499)
    saved_card(alice.contact, is_default=True)
    oldest = Invoice.objects.order_by("due_on", "id").values_list("pk", flat=True)[:PAY_ALL_LIMIT]

    with django_assert_max_num_queries(10):
        response = alice_client.get(URL)

    page = response.text
    assert response.status_code == 200
    assert rows(page) == [str(pk) for pk in oldest]
    assert shown_ids(page) == ",".join(str(pk) for pk in oldest)
    assert "This pays 50 invoices, $5,000.00 in all" in page
    assert "And 2450 more invoices due ($245,000.00 in all)" in page
    assert len(response.content) < 60_000


def test_a_page_of_due_invoices_under_the_limit_says_nothing_more(alice_client, alice):
    due_invoice(alice.contact)
    saved_card(alice.contact, is_default=True)

    page = alice_client.get(URL).text

    assert len(rows(page)) == 1
    assert "more invoice" not in page


def test_pay_all_due_charges_exactly_the_invoices_it_showed(alice_client, alice, monkeypatch):
    monkeypatch.setattr(payments, "PAY_ALL_LIMIT", 3)
    prop = due_invoice(alice.contact).property
    invoices(prop, 4)
    method = saved_card(alice.contact, is_default=True)
    page = alice_client.get(URL).text
    shown = rows(page)
    assert len(shown) == 3 and "And 2 more invoices due ($200.00 in all)" in page
    # An invoice due before all of them appears between the page and the payment.
    older = due_invoice(alice.contact, issued_on=dt.date(2020, 1, 1), due_on=dt.date(2020, 1, 31))

    done = alice_client.post(
        URL, {"method": method.pk, "batch_key": batch_of(page), "invoices": shown_ids(page)}
    )

    assert done.status_code == 200
    paid = Payment.objects.filter(status=Payment.Status.SUCCEEDED)
    assert sorted(str(p.invoice_id) for p in paid) == sorted(shown)
    assert paid.aggregate(total=Sum("amount"))["total"] == 300
    assert not older.payments.exists()


def test_a_tampered_list_of_invoices_is_refused(alice_client, alice):
    due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)

    response = alice_client.post(
        URL, {"method": method.pk, "batch_key": uuid.uuid4().hex, "invoices": "1;2"}
    )

    assert response.status_code == 400
    assert "This payment form has expired. Start again." in response.text
    assert not Payment.objects.exists()
