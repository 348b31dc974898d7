"""Charge saved methods in the office: the list of chargeable invoices and its
filters, charging the ticked rows (amounts lowered, the convenience fee), the
batch's page with each result, the same form sent twice, and who may."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.billing.models import Invoice, Payment
from trellis.billing.tests.methods import DECLINED
from trellis.billing.tests.processor_world import committed
from trellis.bulk_charging.models import Batch, Item
from trellis.bulk_charging.services import item_charge
from trellis.bulk_charging.tests.test_bulk_charging import billed, processor_charges
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.office.tests.test_bank_accounts import bank_account
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

CHARGE_URL = reverse("office:invoices-charge")
REFRESH = '<meta http-equiv="refresh" content="3">'


def batch_url(batch):
    return reverse("office:invoices-charge-batch", kwargs={"batch_id": batch.pk})


def listed(response):
    return [row.invoice.pk for row in response.context["rows"]]


def row_html(response, invoice):
    return response.text.split(f'data-invoice="{invoice.pk}"')[1].split("</tr>")[0]


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def the_form(client, url=CHARGE_URL):
    """The charge form as the page shows it: its key and every amount as filled in."""
    page = client.get(url)
    data = {"key": page.context["key"]}
    data |= {f"amount-{row.invoice.pk}": row.amount for row in page.context["rows"]}
    return data


def press_charge(client, ticked, *, run=True, **typed):
    """Tick `ticked`, change the amounts `typed` (amount-<id>=…), press Charge selected;
    the workers run once it commits, unless `run` is False."""
    data = the_form(client) | {"invoice": [str(i.pk) for i in ticked]} | typed
    if not run:
        return client.post(CHARGE_URL, data)
    with committed():
        return client.post(CHARGE_URL, data)


def fee_of_percent(percent):
    company = Company.load()
    company.convenience_fee_percent = Decimal(percent)
    company.save()


def test_the_list_shows_only_the_invoices_that_can_be_charged_with_their_payer_and_method(
    office,
):
    chargeable, payer = billed("4242424242424242")
    billed(printed_at=None)  # not published to the customer
    no_method = InvoiceFactory(printed_at=timezone.now())
    PropertyContactFactory(property=no_method.property, role=PropertyContact.Role.BILLING)
    by_bank = InvoiceFactory(printed_at=timezone.now())
    banker = ContactFactory(first_name="Ben")
    PropertyContactFactory(
        property=by_bank.property, contact=banker, role=PropertyContact.Role.BILLING
    )
    bank_account(banker, is_default=True)

    response = office.get(CHARGE_URL)

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted([chargeable.pk, by_bank.pk])
    row = row_html(response, chargeable)
    assert chargeable.number in row and payer.full_name in row
    assert "Visa •••• 4242" in row
    assert f'name="amount-{chargeable.pk}" value="100.00"' in row
    assert "Sandbox Test Bank •••• 6789" in row_html(response, by_bank)


def test_the_filters_narrow_the_list(office):
    soon, _ = billed(amount="80.00", due_on=timezone.localdate() + timedelta(days=10))
    later, _ = billed(amount="300.00", due_on=timezone.localdate() + timedelta(days=60))

    def shown(**query):
        return listed(office.get(CHARGE_URL, query))

    assert shown(property=later.property_id) == [later.pk]
    assert shown(due_to=(timezone.localdate() + timedelta(days=30)).isoformat()) == [soon.pk]
    assert shown(due_from=(timezone.localdate() + timedelta(days=30)).isoformat()) == [later.pk]
    assert shown(amount_from="100") == [later.pk]
    assert shown(amount_to="100") == [soon.pk]
    assert shown(amount_from="400") == []
    # A mistake in the filters is said, and the list is not narrowed meanwhile.
    response = office.get(CHARGE_URL, {"due_to": "someday"})
    assert 'id="filter-mistakes"' in response.text
    assert listed(response) == [soon.pk, later.pk]


def test_charging_two_ticked_rows_one_lowered_charges_them_and_the_batch_shows_it(office):
    first, _ = billed()
    second, _ = billed()
    untouched, _ = billed()

    response = press_charge(office, [first, second], **{f"amount-{second.pk}": "40.00"})

    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch_url(batch)
    first.refresh_from_db(), second.refresh_from_db(), untouched.refresh_from_db()
    assert (first.status, first.amount_paid) == (Invoice.Status.PAID, Decimal("100.00"))
    assert (second.status, second.amount_paid) == (Invoice.Status.PARTIALLY_PAID, Decimal("40"))
    assert not Payment.objects.filter(invoice=untouched).exists()
    page = office.get(batch_url(batch))
    assert [row.result for row in page.context["rows"]] == ["Succeeded", "Succeeded"]
    assert 'data-total="charged">2 (140.00)' in page.text
    assert REFRESH not in page.text


def test_the_batch_page_refreshes_itself_until_every_charge_has_its_answer(office):
    invoice, _ = billed()
    press_charge(office, [invoice], run=False)  # the workers have not run yet
    batch = Batch.objects.get()

    waiting = office.get(batch_url(batch))

    assert REFRESH in waiting.text
    assert [row.result for row in waiting.context["rows"]] == ["Waiting"]

    item_charge(item_id=Item.objects.get(batch=batch).pk)
    answered = office.get(batch_url(batch))

    assert REFRESH not in answered.text
    assert [row.result for row in answered.context["rows"]] == ["Succeeded"]


def test_a_declined_charge_says_declined_and_why(office):
    invoice, _ = billed(DECLINED)

    press_charge(office, [invoice])

    page = office.get(batch_url(Batch.objects.get()))
    [row] = page.context["rows"]
    assert row.result.startswith("Declined: ") and "declined" in row.result.removeprefix("Decl")
    assert 'data-total="declined">1 (100.00)' in page.text


def test_the_same_form_sent_twice_lands_on_one_batch_and_charges_once(office):
    invoice, _ = billed()
    data = the_form(office) | {"invoice": [str(invoice.pk)]}

    with committed():
        first = office.post(CHARGE_URL, data)
    with committed():
        again = office.post(CHARGE_URL, data)

    assert first["Location"] == again["Location"] == batch_url(Batch.objects.get())
    assert Item.objects.count() == 1
    assert processor_charges(invoice) == 1


def test_the_fee_is_offered_only_when_the_company_has_one(office):
    invoice, _ = billed(amount="201.00")

    assert "convenience fee" not in office.get(CHARGE_URL).text

    fee_of_percent("2.50")
    response = office.get(CHARGE_URL)
    assert "Add the convenience fee of 2.5% (billed as its own invoice)" in response.text
    assert '<td class="number fee">5.03</td>' in row_html(response, invoice)


def test_with_the_fee_ticked_its_own_invoice_is_listed_on_the_batch(office):
    fee_of_percent("2.50")
    invoice, _ = billed(amount="100.00")

    press_charge(office, [invoice], with_fee="on", **{f"amount-{invoice.pk}": "60.00"})

    item = Item.objects.get()
    assert item.fee == Decimal("1.50")  # on the amount charged, not the balance
    page = office.get(batch_url(item.batch))
    fee_link = reverse("office:invoice", kwargs={"invoice_id": item.fee_invoice_id})
    assert f'<a href="{fee_link}">{item.fee_invoice.number}</a>: Succeeded' in page.text


def test_an_amount_that_is_not_one_shows_the_form_again_as_typed(office):
    invoice, _ = billed()

    response = press_charge(office, [invoice], **{f"amount-{invoice.pk}": "ten dollars"})

    assert response.status_code == 200
    assert said(response) == [
        f"Invoice {invoice.number}: “ten dollars” is not an amount. Enter one like 100.00."
    ]
    row = row_html(response, invoice)
    assert f'name="amount-{invoice.pk}" value="ten dollars"' in row
    assert "checked" in row
    assert not Batch.objects.exists()


@pytest.mark.parametrize("typed", ["1e999", "NaN", "-", ""])
def test_an_amount_too_strange_to_be_money_is_refused_the_same_way(office, typed):
    invoice, _ = billed()

    response = press_charge(office, [invoice], **{f"amount-{invoice.pk}": typed})

    assert said(response) == [
        f"Invoice {invoice.number}: “{typed}” is not an amount. Enter one like 100.00."
    ]
    assert not Batch.objects.exists()


def test_a_refused_batch_shows_the_form_again_with_the_ticks_and_amounts(office):
    invoice, _ = billed()
    other, _ = billed()

    response = press_charge(office, [invoice], **{f"amount-{invoice.pk}": "150.00"})

    [message] = said(response)
    # (The service writes the balance as the database rounds it: "100." on SQLite.)
    assert message.startswith(f"Invoice {invoice.number}: 150.00 is more than its balance of 100")
    assert 'value="150.00"' in row_html(response, invoice)
    assert "checked" in row_html(response, invoice)
    assert "checked" not in row_html(response, other)
    assert not Batch.objects.exists()


def test_select_all_ticks_every_row_on_the_page_and_charges_nothing(office):
    invoices = [billed()[0] for _ in range(3)]
    data = the_form(office) | {"on_page": [str(i.pk) for i in invoices], "select_all": "1"}

    with committed():
        response = office.post(CHARGE_URL, data)

    assert [row.ticked for row in response.context["rows"]] == [True, True, True]
    assert not Batch.objects.exists()


def test_staff_without_the_permission_to_charge_in_bulk_are_refused_and_not_offered_it(client):
    invoice, _ = billed()
    batch = Batch.objects.create(key=uuid.uuid4().hex, created_by=StaffFactory())
    clerk = StaffFactory()
    clerk.user_permissions.set(Permission.objects.filter(codename="view_invoice"))
    client.force_login(clerk)

    assert client.get(CHARGE_URL).status_code == 403
    posted = {"key": uuid.uuid4().hex, "invoice": [str(invoice.pk)]}
    assert client.post(CHARGE_URL, posted).status_code == 403
    assert client.get(batch_url(batch)).status_code == 403
    assert CHARGE_URL not in client.get(reverse("office:invoices")).text
    assert not Payment.objects.exists()


def test_staff_who_may_charge_in_bulk_find_it_beside_the_invoices(client):
    manager = StaffFactory()
    manager.user_permissions.set(
        Permission.objects.filter(codename__in=["view_invoice", "charge_in_bulk"])
    )
    client.force_login(manager)

    invoices_page = client.get(reverse("office:invoices")).text

    assert f'href="{CHARGE_URL}">Charge saved methods</a>' in invoices_page
    nav = invoices_page.split('aria-label="Main"')[1].split("</nav>")[0]
    assert f'<a href="{CHARGE_URL}">Charge saved methods</a>' in nav
