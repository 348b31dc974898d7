"""A card payment's Refund on the office's invoice page: the form, what it
says, the refunds listed, who may refund, and the page's queries."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.roles import ACCOUNT_MANAGER, OFFICE_MANAGER
from trellis.billing.gateways.base import GatewayEvent
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment, PaymentRefund
from trellis.billing.processor_events import processor_event_apply
from trellis.billing.tests.processor_world import committed
from trellis.billing.tests.test_refunds import ANSWER_LOST, card_payment, invoice_of
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    OfflinePaymentFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


@pytest.fixture
def payment(contact):
    return card_payment(contact)


def page_of(payment):
    return reverse("office:invoice", args=[payment.invoice_id])


def refund_url(payment, invoice_id=None):
    return reverse(
        "office:invoice-refund-payment", args=[invoice_id or payment.invoice_id, payment.pk]
    )


def row_of(response, payment):
    return response.context["payments"][
        [r["payment"].pk for r in response.context["payments"]].index(payment.pk)
    ]


def refund_form(client, payment):
    """The payment's Refund form as the page shows it: its fresh key and the amount left."""
    offer = row_of(client.get(page_of(payment)), payment)["refund"]
    return offer


def press(client, payment, amount, reason="Work not done", key=None):
    """Fill in the payment's Refund form on its page and press Refund."""
    key = key or refund_form(client, payment).idempotency_key
    with committed():
        return client.post(
            refund_url(payment), {"amount": amount, "reason": reason, "idempotency_key": key}
        )


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def staff_in(role):
    member = StaffFactory()
    member.groups.add(Group.objects.get(name=role.name))
    return member


def test_a_card_payment_shows_its_reference_and_a_refund_form_for_what_is_left(office, payment):
    response = office.get(page_of(payment))

    payments = response.text.split('id="invoice-payments"')[1].split("</section>")[0]
    assert payment.processor_reference in payments
    assert 'name="amount" value="100.00"' in payments
    assert 'name="idempotency_key" value="refund-' in payments
    assert refund_url(payment) in payments and "Refund</button>" in payments


def test_each_showing_of_the_form_has_its_own_key(office, payment):
    assert (
        refund_form(office, payment).idempotency_key != refund_form(office, payment).idempotency_key
    )


def test_refunding_says_what_was_refunded_and_what_is_owed(office, payment):
    response = press(office, payment, "40.00")

    assert response.status_code == 302 and response.url == page_of(payment)
    number = invoice_of(payment).number
    assert said(response) == [
        f"Refunded 40.00 of the payment of 100.00 on {number}: 40.00 is owed on it."
    ]
    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("60.00"),
    )


def test_the_page_lists_the_refund_with_who_when_and_why_and_offers_what_is_left(office, payment):
    press(office, payment, "40.00", reason="Hedge not trimmed")

    response = office.get(page_of(payment))

    made = PaymentRefund.objects.get()
    refunds = response.text.split('id="invoice-refunds"')[1].split("</section>")[0]
    row = refunds.split(f'id="refund-{made.pk}"')[1].split("</tr>")[0]
    assert "Jane Smith" in row and "Hedge not trimmed" in row and ">40.00<" in row
    assert made.processor_reference in row and "Succeeded" in row
    assert timezone.localtime(made.created_at).strftime("%B %-d, %Y") in row
    assert row_of(response, payment)["refunded"] == Decimal("40.00")
    assert "Refunded 40.00" in response.text.split('id="invoice-payments"')[1]
    assert row_of(response, payment)["refund"].left == Decimal("60.00")


def test_a_payment_refunded_in_full_offers_no_more_refund(office, payment):
    press(office, payment, "100.00")

    response = office.get(page_of(payment))

    assert row_of(response, payment)["refund"] is None
    assert "Refund</button>" not in response.text
    assert response.context["invoice"].status == Invoice.Status.OPEN


def test_the_same_form_posted_twice_is_one_refund(office, payment):
    key = refund_form(office, payment).idempotency_key

    press(office, payment, "40.00", key=key)
    press(office, payment, "40.00", key=key)

    assert PaymentRefund.objects.count() == 1
    assert invoice_of(payment).amount_paid == Decimal("60.00")


def test_more_than_is_left_is_refused_saying_why(office, payment):
    response = press(office, payment, "150.00")

    assert said(response) == [
        f"150.00 is more than the 100.00 left to refund of the payment of 100.00 on "
        f"{invoice_of(payment).number}."
    ]
    assert PaymentRefund.objects.count() == 0


def test_an_empty_form_says_what_is_missing(office, payment):
    with committed():
        response = office.post(refund_url(payment), {})

    assert response.status_code == 302
    assert said(response) == [
        "Enter the amount to refund: at least 0.01. Say why the payment is refunded. "
        "This refund form has expired: open the invoice again."
    ]
    assert PaymentRefund.objects.count() == 0


def test_the_processor_not_answering_says_the_refund_is_pending(office, payment, settings):
    settings.PAYMENT_GATEWAY = ANSWER_LOST

    response = press(office, payment, "40.00")

    [message] = said(response)
    assert message.startswith("The payment processor did not answer: the refund of 40.00")
    assert "nothing is refunded twice" in message
    page = office.get(page_of(payment))
    assert "40.00 being refunded" in page.text
    assert row_of(page, payment)["refund"].left == Decimal("60.00")


def test_an_offline_payment_offers_no_refund_and_a_posted_one_is_refused(office):
    cheque = OfflinePaymentFactory(send_receipt=False)

    page = office.get(page_of(cheque))
    assert row_of(page, cheque)["refund"] is None

    response = press(office, cheque, "10.00", key="refund-of-a-cheque")
    assert "reversed instead" in said(response)[0]


def test_a_payment_of_another_invoice_is_not_found(office, payment):
    other = InvoiceFactory()

    response = office.post(
        refund_url(payment, invoice_id=other.pk),
        {"amount": "10.00", "reason": "Why", "idempotency_key": "refund-elsewhere"},
    )

    assert response.status_code == 404
    assert PaymentRefund.objects.count() == 0


def test_a_refund_made_in_the_processors_dashboard_is_listed_as_such(office, payment):
    with committed():
        processor_event_apply(
            processor="sandbox",
            event=GatewayEvent(
                id="evt_dashboard",
                kind="refund.succeeded",
                reference="re_dashboard",
                charge_reference=payment.processor_reference,
                amount=Decimal("25.00"),
            ),
        )

    response = office.get(page_of(payment))

    refunds = response.text.split('id="invoice-refunds"')[1]
    assert "In the payment processor&#x27;s dashboard" in refunds and "re_dashboard" in refunds


def test_staff_who_may_change_invoices_but_not_refund_see_no_form_and_are_refused(client, payment):
    member = StaffFactory()
    member.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_invoice", "change_invoice"])
    )
    client.force_login(member)

    page = client.get(page_of(payment))
    assert page.status_code == 200 and "Refund</button>" not in page.text

    response = client.post(
        refund_url(payment),
        {"amount": "10.00", "reason": "Why", "idempotency_key": "refund-not-allowed"},
    )
    assert response.status_code == 403
    assert PaymentRefund.objects.count() == 0


def test_an_office_manager_may_refund_and_an_account_manager_may_not(client, payment):
    assert "billing.add_paymentrefund" in OFFICE_MANAGER.permissions
    assert "billing.add_paymentrefund" not in ACCOUNT_MANAGER.permissions
    client.force_login(staff_in(ACCOUNT_MANAGER))
    assert "Refund</button>" not in client.get(page_of(payment)).text

    client.force_login(staff_in(OFFICE_MANAGER))
    assert "Refund</button>" in client.get(page_of(payment)).text
    response = press(client, payment, "10.00")
    assert said(response)[0].startswith("Refunded 10.00")


def test_the_page_runs_as_many_queries_for_500_refunds_as_for_5(office, greenway):
    invoice = InvoiceFactory(lines=[{"description": "Big job", "unit_price": Decimal("100000.00")}])
    staff = StaffFactory()

    def add(n):
        start = Payment.objects.count()
        payments = Payment.objects.bulk_create(
            Payment(
                invoice=invoice,
                source=Payment.Source.PORTAL,
                status=Payment.Status.SUCCEEDED,
                amount=Decimal("2.00"),
                idempotency_key=f"test-{start + i}",
                processor_reference=f"ch_{start + i}",
                completed_at=timezone.now(),
            )
            for i in range(n)
        )
        PaymentRefund.objects.bulk_create(
            PaymentRefund(
                payment=payment,
                amount=Decimal("1.00"),
                status=PaymentRefund.Status.SUCCEEDED,
                idempotency_key=f"refund-{payment.pk}",
                processor_reference=f"re_{payment.pk}",
                reason="Work not done",
                requested_by=staff,
                completed_at=timezone.now(),
            )
            for payment in payments
        )
        invoice_settle(invoice=invoice)

    url = reverse("office:invoice", args=[invoice.pk])
    assert assert_queries_do_not_grow(office, url, add_rows=add) <= 15
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == Decimal("500.00")
