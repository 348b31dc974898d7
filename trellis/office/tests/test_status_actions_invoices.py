"""The invoice page's status buttons: Issue invoice, Void invoice, Record a
payment, and Reverse on an offline or imported payment's row. What each button
says and who may press it is in test_document_buttons.py; here, what the status
allows, what is recorded, and the money rules the buttons keep."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import (
    ContactFactory,
    ImportedPaymentFactory,
    InvoiceFactory,
    OfflinePaymentFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

Status = Invoice.Status


def url(invoice, action="", **kwargs):
    name = f"office:invoice-{action}" if action else "office:invoice"
    return reverse(name, kwargs={"invoice_id": invoice.pk, **kwargs})


def reverse_url(invoice, payment):
    return url(invoice, "reverse-payment", payment_id=payment.pk)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def panel(office, invoice):
    return office.get(url(invoice)).context["status_panel"]


@pytest.fixture
def bill():
    return ContactFactory(first_name="Bill", last_name="Payne", email="bill@example.com")


@pytest.fixture
def invoice(bill):
    """An open invoice of 100.00 for Oak Street, whose Billing contact is Bill."""
    invoice = InvoiceFactory(number="INV-1001")
    PropertyContactFactory(
        property=invoice.property, contact=bill, role=PropertyContact.Role.BILLING
    )
    return invoice


def paid(invoice, amount="40.00", **fields):
    return OfflinePaymentFactory(
        invoice=invoice, amount=Decimal(amount), send_receipt=False, **fields
    )


def portal_payment(invoice, amount="40.00"):
    payment = Payment.objects.create(
        invoice=invoice,
        amount=Decimal(amount),
        status=Payment.Status.SUCCEEDED,
        idempotency_key=f"portal-{invoice.pk}",
        processor_reference="ch_test",
        completed_at=timezone.now(),
    )
    invoice_settle(invoice=invoice)
    return payment


def in_status(invoice, status):
    if status == Status.PARTIALLY_PAID:
        paid(invoice)
    elif status == Status.PAID:
        paid(invoice, "100.00")
    elif status != Status.OPEN:
        Invoice.objects.filter(pk=invoice.pk).update(status=status)
    invoice.refresh_from_db()
    return invoice


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.DRAFT, ["issue", "void"]),
        (Status.OPEN, ["record_payment", "void"]),
        (Status.PARTIALLY_PAID, ["record_payment"]),
        (Status.PAID, []),
        (Status.VOID, []),
    ],
)
def test_the_page_offers_only_the_buttons_the_status_allows(office, invoice, status, expected):
    in_status(invoice, status)

    assert [button.name for button in panel(office, invoice).buttons] == expected


def test_each_button_is_a_form_of_its_own_posting_to_its_service(office, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.DRAFT)

    page = office.get(url(invoice)).text

    assert f'id="status-issue-form" method="post" action="{url(invoice, "issue")}"' in page
    assert f'id="status-void-form" method="post" action="{url(invoice, "void")}"' in page
    assert 'id="status-void-form-reason" name="reason" required' in page


def test_staff_who_may_only_view_are_told_who_can_change_the_status(client, invoice):
    viewer = StaffFactory()
    viewer.user_permissions.set(Permission.objects.filter(codename="view_invoice"))
    client.force_login(viewer)

    page = client.get(url(invoice)).text

    assert "Staff who may change invoices can change the status." in page
    assert 'id="status-void-form"' not in page


def test_issuing_a_draft_is_audited(office, staff, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.DRAFT)

    office.post(url(invoice, "issue"))

    entry = AuditEntry.objects.get(action="invoice.issued")
    assert (entry.actor, entry.target_id) == (staff, str(invoice.pk))


def test_issuing_an_invoice_that_is_not_a_draft_is_not_audited(office, invoice):
    office.post(url(invoice, "issue"))

    assert not AuditEntry.objects.filter(action="invoice.issued").exists()


def test_voiding_an_invoice_records_who_voided_it_and_why(office, staff, invoice):
    office.post(url(invoice, "void"), {"reason": "Billed to the wrong property."})

    entry = AuditEntry.objects.get(action="invoice.voided")
    assert entry.actor == staff
    assert entry.data == {"reason": "Billed to the wrong property.", "was": "open"}


def test_voiding_without_a_reason_is_refused(office, invoice):
    response = office.post(url(invoice, "void"), {"reason": "  "})

    assert response.url == url(invoice)
    assert messages_of(response) == ["Say why the invoice is void."]
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN
    assert not AuditEntry.objects.filter(action="invoice.voided").exists()


def test_the_payment_form_starts_at_the_balance_today_with_a_receipt_to_bill(office, invoice):
    paid(invoice, "30.00")

    [record] = [b for b in panel(office, invoice).buttons if b.name == "record_payment"]

    form = record.form
    assert form["amount"].value() == Decimal("70.00")
    assert form["received_on"].value() == timezone.localdate()
    assert form["send_receipt"].value() is True
    assert form["send_receipt"].label == (
        "Email a receipt to Bill Payne (bill@example.com), the Billing contact"
    )


def cheque(**changes):
    return {
        "amount": "40.00",
        "means": Payment.Means.CHEQUE,
        "received_on": timezone.localdate().isoformat(),
        "reference": "1042",
        "send_receipt": "on",
    } | changes


def test_recording_a_cheque_pays_part_of_the_invoice_and_emails_bill_a_receipt(
    office, staff, invoice, bill
):
    response = office.post(url(invoice, "record-payment"), cheque())

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.source, payment.means, payment.reference, payment.recorded_by) == (
        Payment.Source.OFFLINE,
        Payment.Means.CHEQUE,
        "1042",
        staff,
    )
    assert payment.paid_by == bill
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Status.PARTIALLY_PAID, Decimal("40.00"))
    entry = AuditEntry.objects.get(action="payment.recorded_offline")
    assert (entry.actor, entry.data["amount"]) == (staff, "40.00")
    receipt = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT)
    assert receipt.to_address == "bill@example.com"


def test_recording_the_balance_with_the_receipt_unticked_pays_it_quietly(office, invoice):
    response = office.post(url(invoice, "record-payment"), cheque(amount="100.00", send_receipt=""))

    assert messages_of(response) == [
        "Recorded a payment of 100.00 (Cheque) on Invoice INV-1001: it is paid in full."
    ]
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID
    assert not OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT).exists()


def test_a_payment_on_a_draft_is_refused(office, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.DRAFT)

    response = office.post(url(invoice, "record-payment"), cheque())

    assert messages_of(response) == [
        "Invoice INV-1001 is a draft: issue it before recording a payment."
    ]
    assert not Payment.objects.exists()


def test_offline_and_imported_rows_offer_reverse_and_a_portal_payment_does_not(office, invoice):
    cheque_payment = paid(invoice, "20.00")
    imported = ImportedPaymentFactory(invoice=invoice, amount=Decimal("30.00"))
    card = portal_payment(invoice, "10.00")

    page = office.get(url(invoice)).text

    for payment in (cheque_payment, imported):
        assert f'action="{reverse_url(invoice, payment)}"' in page
    assert reverse_url(invoice, card) not in page
    card_row = page.split(f'id="payment-{card.pk}"')[1].split("</tr>")[0]
    assert "Reverse</button>" not in card_row


def test_the_payment_rows_say_how_each_was_paid_and_who_recorded_it(office, invoice):
    payment = paid(invoice, "20.00", reference="1042", recorded_by=StaffFactory(first_name="Kevin"))

    row = office.get(url(invoice)).text.split(f'id="payment-{payment.pk}"')[1].split("</tr>")[0]

    for text in ["Recorded by staff", "Cheque", "1042", "Kevin Smith"]:
        assert f"<td>{text}</td>" in row


def test_reversing_a_cheque_that_bounced_records_who_reversed_it_and_why(office, staff, invoice):
    payment = paid(invoice)

    office.post(reverse_url(invoice, payment), {"reason": "Bounced."})

    payment.refresh_from_db()
    assert (payment.status, payment.reversed_by, payment.reversal_reason) == (
        Payment.Status.REVERSED,
        staff,
        "Bounced.",
    )
    entry = AuditEntry.objects.get(action="payment.reversed")
    assert (entry.actor, entry.target_id) == (staff, str(payment.pk))


def test_a_portal_payment_is_not_reversed(office, invoice):
    payment = portal_payment(invoice)

    response = office.post(reverse_url(invoice, payment), {"reason": "Asked to."})

    assert messages_of(response) == [
        "A payment made in the portal goes back to the customer as a refund "
        "through the payment processor, not a reversal."
    ]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("40.00")


def test_reverse_answers_a_get_with_405(office, invoice):
    payment = paid(invoice)

    assert office.get(reverse_url(invoice, payment), {"reason": "Bounced."}).status_code == 405
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


# Every button, with what it posts.
BUTTONS = [
    ("issue", {}),
    ("void", {"reason": "Wrong property."}),
    ("record-payment", cheque()),
    ("reverse-payment", {"reason": "Bounced."}),
    ("print", {}),
    ("email", {}),
]


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_answers_404_for_an_invoice_that_does_not_exist(office, invoice, action, data):
    kwargs = {"payment_id": paid(invoice).pk} if action == "reverse-payment" else {}
    missing = reverse(f"office:invoice-{action}", kwargs={"invoice_id": 999999, **kwargs})
    before = AuditEntry.objects.count()

    assert office.post(missing, data).status_code == 404
    assert AuditEntry.objects.count() == before
