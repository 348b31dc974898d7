"""The invoice page's status buttons: Issue invoice, Void invoice, Record a
payment, and Reverse on an offline or imported payment's row."""

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


def url(invoice, action, *args):
    return reverse(f"admin:billing_invoice_{action}", args=[invoice.pk, *args])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def panel(office, invoice):
    return office.get(url(invoice, "change")).context["status_panel"]


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


@pytest.fixture
def viewer(client):
    """Sam, who may look at invoices and change none."""
    sam = StaffFactory(first_name="Sam")
    sam.user_permissions.set(Permission.objects.filter(codename="view_invoice"))
    client.force_login(sam)
    return client


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


def test_the_buttons_submit_forms_of_their_own_outside_the_invoice_form(office, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.DRAFT)

    page = office.get(url(invoice, "change")).text

    assert "<strong>Status: Draft</strong>" in page
    assert f'<form id="status-issue-form" method="post" action="{url(invoice, "issue")}">' in page
    assert 'form="status-issue-form" class="button">Issue invoice</button>' in page
    assert 'name="reason" form="status-void-form" required' in page


def test_staff_who_may_only_view_see_the_status_and_no_button(viewer, invoice):
    response = viewer.get(url(invoice, "change"))

    assert "<strong>Status: Open</strong>" in response.text
    assert "Staff who may change invoices can change the status." in response.text
    assert response.context["status_panel"].buttons == []
    assert 'id="status-void-form"' not in response.text


def test_issuing_a_draft_makes_it_open_and_is_audited(office, staff, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.DRAFT)

    response = office.post(url(invoice, "issue"))

    assert response.status_code == 302
    assert response.url == url(invoice, "change")
    assert messages_of(response) == [
        "Invoice INV-1001 is issued: it is open, and can be printed, emailed and paid."
    ]
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN
    entry = AuditEntry.objects.get(action="invoice.issued")
    assert (entry.actor, entry.target_id) == (staff, str(invoice.pk))


def test_issuing_an_invoice_that_is_not_a_draft_is_refused_with_the_reason(office, invoice):
    response = office.post(url(invoice, "issue"))

    assert response.status_code == 302
    assert messages_of(response) == ["Invoice INV-1001 is already issued: it is not a draft."]
    assert not AuditEntry.objects.filter(action="invoice.issued").exists()


def test_voiding_an_invoice_records_why(office, staff, invoice):
    response = office.post(url(invoice, "void"), {"reason": "Billed to the wrong property."})

    assert messages_of(response) == ["Invoice INV-1001 is void: nothing is owed on it."]
    invoice.refresh_from_db()
    assert invoice.status == Status.VOID
    entry = AuditEntry.objects.get(action="invoice.voided")
    assert entry.actor == staff
    assert entry.data == {"reason": "Billed to the wrong property.", "was": "open"}


def test_voiding_without_a_reason_is_refused(office, invoice):
    response = office.post(url(invoice, "void"), {"reason": "  "})

    assert messages_of(response) == ["Say why the invoice is void."]
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN


def test_voiding_an_invoice_with_a_payment_standing_is_refused(office, invoice):
    paid(invoice)

    response = office.post(url(invoice, "void"), {"reason": "Wrong property."})

    assert messages_of(response) == [
        "Invoice INV-1001 can't be voided while payments of 40.00 stand on it: "
        "reverse or refund them first."
    ]
    invoice.refresh_from_db()
    assert invoice.status == Status.PARTIALLY_PAID
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
    response = office.post(url(invoice, "record_payment"), cheque())

    assert response.status_code == 302
    assert messages_of(response) == [
        "Recorded a payment of 40.00 (Cheque) on Invoice INV-1001: 60.00 is still owed."
    ]
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
    response = office.post(url(invoice, "record_payment"), cheque(amount="100.00", send_receipt=""))

    assert messages_of(response) == [
        "Recorded a payment of 100.00 (Cheque) on Invoice INV-1001: it is paid in full."
    ]
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID
    assert not OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT).exists()


def test_a_payment_form_with_a_mistake_is_shown_again_as_it_was_typed(office, invoice):
    response = office.post(url(invoice, "record_payment"), cheque(means="", amount="40.00"))

    assert response.status_code == 200
    [record] = [b for b in response.context["status_panel"].buttons if b.name == "record_payment"]
    assert record.form.errors == {"means": ["This field is required."]}
    assert record.form["reference"].value() == "1042"
    assert "<details open>" in response.text
    assert 'value="1042"' in response.text
    # The invoice's own form is the page's, and still saves to the change page.
    assert f'action="{url(invoice, "change")}"' in response.text
    assert not Payment.objects.exists()


def test_more_than_the_balance_is_refused_and_what_was_typed_is_kept(office, invoice):
    response = office.post(url(invoice, "record_payment"), cheque(amount="150.00"))

    assert response.status_code == 200
    message = "150.00 is more than the 100.00 left to pay on Invoice INV-1001"
    assert any(m.startswith(message) for m in messages_of(response))
    assert message in response.text
    assert 'value="150.00"' in response.text
    assert not Payment.objects.exists()


def test_a_payment_on_a_draft_is_refused(office, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.DRAFT)

    response = office.post(url(invoice, "record_payment"), cheque())

    assert messages_of(response) == [
        "Invoice INV-1001 is a draft: issue it before recording a payment."
    ]
    assert not Payment.objects.exists()


def test_offline_and_imported_rows_offer_reverse_and_a_portal_payment_does_not(office, invoice):
    cheque_payment = paid(invoice, "20.00")
    imported = ImportedPaymentFactory(invoice=invoice, amount=Decimal("30.00"))
    card = portal_payment(invoice, "10.00")

    response = office.get(url(invoice, "change"))

    forms = {row.id: row.url for row in response.context["status_panel"].row_forms}
    assert forms == {
        f"payment-{cheque_payment.pk}-reverse-form": url(
            invoice, "reverse_payment", cheque_payment.pk
        ),
        f"payment-{imported.pk}-reverse-form": url(invoice, "reverse_payment", imported.pk),
    }
    assert response.text.count('class="button">Reverse</button>') == 2
    assert f'form="payment-{card.pk}-reverse-form"' not in response.text


def test_the_payment_rows_say_how_each_was_paid_and_by_whom_it_was_recorded(office, invoice):
    paid(invoice, "20.00", reference="1042", recorded_by=StaffFactory(first_name="Kevin"))

    page = office.get(url(invoice, "change")).text

    for text in ["Recorded by staff", "Cheque", "1042", "Kevin Smith"]:
        assert f"<p>{text}</p>" in page


def test_reversing_a_cheque_that_bounced_owes_the_balance_again(office, staff, invoice):
    payment = paid(invoice)

    response = office.post(url(invoice, "reverse_payment", payment.pk), {"reason": "Bounced."})

    assert response.status_code == 302
    assert messages_of(response) == [
        "The payment of 40.00 on Invoice INV-1001 is reversed: 100.00 is owed on it."
    ]
    payment.refresh_from_db()
    assert (payment.status, payment.reversed_by, payment.reversal_reason) == (
        Payment.Status.REVERSED,
        staff,
        "Bounced.",
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.OPEN
    entry = AuditEntry.objects.get(action="payment.reversed")
    assert (entry.actor, entry.target_id) == (staff, str(payment.pk))
    assert "Reversed by Jane Smith on " in office.get(url(invoice, "change")).text


def test_reversing_without_a_reason_is_refused(office, invoice):
    payment = paid(invoice)

    response = office.post(url(invoice, "reverse_payment", payment.pk), {"reason": ""})

    assert messages_of(response) == ["Say why the payment is reversed."]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_a_portal_payment_is_not_reversed(office, invoice):
    payment = portal_payment(invoice)

    response = office.post(url(invoice, "reverse_payment", payment.pk), {"reason": "Asked to."})

    assert messages_of(response) == [
        "A payment made in the portal goes back to the customer as a refund "
        "through the payment processor, not a reversal."
    ]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_a_payment_is_reversed_only_under_its_own_invoice(office, invoice):
    payment = paid(invoice)
    other = InvoiceFactory()

    response = office.post(url(other, "reverse_payment", payment.pk), {"reason": "Bounced."})

    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


# Every button, with what it posts.
BUTTONS = [
    ("issue", {}),
    ("void", {"reason": "Wrong property."}),
    ("record_payment", cheque()),
    ("reverse_payment", {"reason": "Bounced."}),
]


def button_url(invoice, action):
    if action == "reverse_payment":
        return url(invoice, action, paid(invoice).pk)
    return url(invoice, action)


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_answers_a_get_with_405(office, invoice, action, data):
    button = button_url(invoice, action)
    before = AuditEntry.objects.count()

    assert office.get(button, data).status_code == 405
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_refuses_staff_who_may_not_change_invoices(viewer, invoice, action, data):
    button = button_url(invoice, action)
    before = AuditEntry.objects.count()

    assert viewer.post(button, data).status_code == 403
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(("action", "data"), BUTTONS)
def test_every_button_answers_404_for_an_invoice_that_does_not_exist(office, invoice, action, data):
    button = button_url(invoice, action).replace(f"/{invoice.pk}/", "/999999/", 1)

    assert office.post(button, data).status_code == 404
