import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing import recorded_payments
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import PaymentRefused, invoice_pay
from trellis.billing.recorded_payments import (
    PaymentRecordRefused,
    payment_import,
    payment_record_offline,
    payment_reverse,
)
from trellis.billing.services import invoice_locked, invoice_void
from trellis.billing.tests.methods import key, saved_card
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

RECEIVED = dt.date(2025, 3, 4)


@pytest.fixture
def billing(db):
    return ContactFactory(first_name="Bea", last_name="Bills", email="bea@example.com")


@pytest.fixture
def invoice(billing):
    """A printed open invoice of 100.00 whose property has Bea as its Billing
    contact and someone else as its Primary one."""
    link = PropertyContactFactory(contact=billing, role=PropertyContact.Role.BILLING)
    PropertyContactFactory(property=link.property, role=PropertyContact.Role.PRIMARY)
    return InvoiceFactory(property=link.property, printed_at=timezone.now(), number="INV-2042")


def record(invoice, staff, amount="40.00", **changes):
    arguments = {
        "invoice_id": invoice.pk,
        "amount": Decimal(amount),
        "means": Payment.Means.CHEQUE,
        "received_on": RECEIVED,
        "reference": "  1042 ",
        "recorded_by": staff,
    }
    return payment_record_offline(**arguments | changes)


def imported(invoice, external_id="PAY-1", amount="40.00", **changes):
    arguments = {
        "external_id": external_id,
        "amount": Decimal(amount),
        "received_on": RECEIVED,
        "means": Payment.Means.BANK_TRANSFER,
        "reference": "BT-77",
    }
    # As the import does: the invoice locked, its money settled once its payments are in.
    locked = invoice_locked(invoice_id=invoice.pk)
    payment = payment_import(invoice=locked, **arguments | changes)
    invoice_settle(invoice=locked)
    return payment


def receipts():
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT)


def fresh(invoice):
    invoice.refresh_from_db()
    return invoice


# --- recording an offline payment ---------------------------------------------


def test_an_offline_payment_is_paid_by_the_billing_contact_and_recorded_by_staff(
    invoice, billing, staff
):
    payment = record(invoice, staff)

    payment.refresh_from_db()
    assert (payment.source, payment.status) == (Payment.Source.OFFLINE, Payment.Status.SUCCEEDED)
    assert (payment.paid_by, payment.recorded_by) == (billing, staff)
    assert (payment.means, payment.reference, payment.received_on) == ("cheque", "1042", RECEIVED)
    assert payment.completed_at == dt.datetime(2025, 3, 4, 12, tzinfo=dt.UTC)
    assert payment.method is None
    invoice = fresh(invoice)
    assert (invoice.status, invoice.balance) == (Invoice.Status.PARTIALLY_PAID, Decimal("60.00"))


def test_recording_an_offline_payment_is_audited(invoice, staff):
    payment = record(invoice, staff)

    entry = AuditEntry.objects.get(action="payment.recorded_offline")
    assert entry.actor == staff
    assert entry.target_id == str(payment.pk)
    assert entry.data == {
        "invoice": "INV-2042",
        "amount": "40.00",
        "means": "cheque",
        "reference": "1042",
        "received_on": "2025-03-04",
    }


def test_the_billing_contact_is_sent_a_receipt_that_says_how_they_paid(invoice, staff):
    record(invoice, staff)

    [receipt] = receipts()
    assert receipt.to_address == "bea@example.com"
    assert receipt.subject.startswith("Your payment on invoice INV-2042")
    for text in [
        "Hello Bea,",
        "we received your payment of 40.00 USD on invoice INV-2042",
        "Paid with: Cheque",
        "Reference: 1042",
        "Balance due: 60.00 USD",
    ]:
        assert text in receipt.body_text, text
    assert "Cheque" in receipt.body_html and "1042" in receipt.body_html


def test_the_receipt_is_in_the_billing_contacts_language(invoice, billing, staff):
    billing.language = "es"
    billing.save()

    record(invoice, staff)

    [receipt] = receipts()
    assert receipt.subject.startswith("Su pago de la factura INV-2042")
    for text in [
        "Gracias: recibimos su pago de 40,00 USD de la factura INV-2042",
        "Pagado con: Cheque",
        "Fecha: 4 de marzo de 2025",
        "Referencia: 1042",
    ]:
        assert text in receipt.body_text, text


def test_no_receipt_is_sent_when_staff_say_so(invoice, staff):
    record(invoice, staff, send_receipt=False)
    assert not receipts().exists()
    assert fresh(invoice).amount_paid == Decimal("40.00")


def test_no_receipt_is_sent_to_a_billing_contact_without_an_email(invoice, billing, staff):
    billing.email = ""
    billing.save()

    payment = record(invoice, staff)

    assert payment.paid_by == billing
    assert not receipts().exists()


def test_without_a_billing_contact_nobody_is_the_payer_and_nobody_gets_a_receipt(staff):
    invoice = InvoiceFactory(printed_at=timezone.now())
    PropertyContactFactory(property=invoice.property, role=PropertyContact.Role.PRIMARY)

    payment = record(invoice, staff)

    assert payment.paid_by is None
    assert not receipts().exists()


def test_a_refused_payment_records_nothing_and_sends_nothing(invoice, staff):
    with pytest.raises(PaymentRecordRefused, match=r"more than the 100\.00 left"):
        record(invoice, staff, amount="100.01")

    assert not Payment.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not OutgoingEmail.objects.exists()


# --- reversing one ------------------------------------------------------------


def test_reversing_an_offline_payment_makes_its_amount_owed_again(invoice, staff):
    record(invoice, staff, amount="60.00")
    bounced = record(invoice, staff, amount="40.00")
    assert fresh(invoice).status == Invoice.Status.PAID

    payment_reverse(payment_id=bounced.pk, reason="  The cheque\nbounced. ", actor=staff)

    bounced.refresh_from_db()
    assert bounced.status == Payment.Status.REVERSED
    assert (bounced.reversed_by, bounced.reversal_reason) == (staff, "The cheque bounced.")
    assert bounced.reversed_at is not None
    invoice = fresh(invoice)
    assert (invoice.status, invoice.balance, invoice.paid_at) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("40.00"),
        None,
    )
    entry = AuditEntry.objects.get(action="payment.reversed")
    assert (entry.actor, entry.target_id) == (staff, str(bounced.pk))
    assert entry.data == {
        "invoice": "INV-2042",
        "amount": "40.00",
        "reason": "The cheque bounced.",
    }
    assert receipts().count() == 2  # the reversal sends nothing


def test_a_reversed_payment_is_not_reversed_twice(invoice, staff):
    payment = record(invoice, staff)
    payment_reverse(payment_id=payment.pk, reason="Entered twice.", actor=staff)

    with pytest.raises(PaymentRecordRefused, match="already reversed"):
        payment_reverse(payment_id=payment.pk, reason="Entered twice.", actor=staff)
    assert AuditEntry.objects.filter(action="payment.reversed").count() == 1


def test_the_balance_a_reversal_frees_can_be_paid_again(invoice, staff):
    payment = record(invoice, staff, amount="100.00")
    payment_reverse(payment_id=payment.pk, reason="The cheque bounced.", actor=staff)

    record(invoice, staff, amount="100.00", reference="1043")

    assert fresh(invoice).status == Invoice.Status.PAID


# --- the import's payments ------------------------------------------------------


def test_an_imported_payment_is_created_with_its_external_id(invoice, billing):
    payment = imported(invoice, completed_at=dt.datetime(2025, 3, 4, 9, 41, tzinfo=dt.UTC))

    payment.refresh_from_db()
    assert (payment.source, payment.status) == (Payment.Source.IMPORTED, Payment.Status.SUCCEEDED)
    # Who paid is not known: an import file does not say.
    assert (payment.external_id, payment.paid_by, payment.recorded_by) == ("PAY-1", None, None)
    assert (payment.means, payment.reference) == ("bank_transfer", "BT-77")
    assert payment.completed_at == dt.datetime(2025, 3, 4, 9, 41, tzinfo=dt.UTC)
    assert fresh(invoice).amount_paid == Decimal("40.00")
    assert not receipts().exists()


def test_an_imported_payment_without_a_time_was_received_at_noon_on_its_day(invoice):
    payment = imported(invoice)
    assert payment.completed_at == dt.datetime(2025, 3, 4, 12, tzinfo=dt.UTC)


def test_importing_the_same_payment_again_updates_it(invoice):
    first = imported(invoice, amount="40.00")

    again = imported(invoice, amount="100.00", reference="BT-78", received_on=dt.date(2025, 3, 5))

    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.amount, again.reference, again.received_on) == (
        Decimal("100.00"),
        "BT-78",
        dt.date(2025, 3, 5),
    )
    assert Payment.objects.count() == 1
    assert fresh(invoice).status == Invoice.Status.PAID


@pytest.mark.parametrize("status", [Invoice.Status.DRAFT, Invoice.Status.VOID])
def test_an_import_brings_no_payment_to_a_draft_or_void_invoice(status):
    invoice = InvoiceFactory(status=Invoice.Status.DRAFT)
    if status == Invoice.Status.VOID:
        invoice_void(invoice_id=invoice.pk, actor=None, reason="Never sent.")

    with pytest.raises(PaymentRecordRefused, match=r"draft|void"):
        imported(invoice)
    assert not Payment.objects.exists()


def test_an_import_brings_no_more_than_the_total(invoice, staff):
    record(invoice, staff, amount="70.00")
    imported(invoice, amount="30.00")

    with pytest.raises(PaymentRecordRefused, match=r"more than the 0\.00 left"):
        imported(invoice, external_id="PAY-2", amount="0.01")
    with pytest.raises(PaymentRecordRefused, match=r"more than the 30\.00 left"):
        imported(invoice, amount="30.01")  # the same payment, made larger
    assert Payment.objects.get(external_id="PAY-1").amount == Decimal("30.00")


def test_an_imported_payment_stays_on_its_own_invoice(invoice):
    imported(invoice)
    other = InvoiceFactory()

    with pytest.raises(PaymentRecordRefused, match="belongs to Invoice INV-2042"):
        imported(other)


# --- the portal and the office, together ---------------------------------------


def test_a_card_payment_and_an_offline_payment_together_pay_it_exactly(invoice, billing, staff):
    invoice_pay(
        invoice_id=invoice.pk,
        contact=billing,
        company=Company.load(),
        method=saved_card(billing),
        amount=Decimal("60.00"),
        idempotency_key=key(),
    )
    record(invoice, staff, amount="40.00")

    invoice = fresh(invoice)
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        Invoice.Status.PAID,
        Decimal("100.00"),
        0,
    )
    assert invoice.paid_at is not None
    with pytest.raises(PaymentRecordRefused, match="already paid in full"):
        record(invoice, staff, amount="0.01")
    with pytest.raises(PaymentRefused, match="already paid"):
        invoice_pay(
            invoice_id=invoice.pk,
            contact=billing,
            company=Company.load(),
            method=saved_card(billing),
            amount=Decimal("0.01"),
            idempotency_key=key(),
        )


# --- two members of staff at the same moment -------------------------------------


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite lets one writer at a time in (transactions begin IMMEDIATE): "
    "there is no race to test. Run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
def test_two_offline_payments_recorded_at_once_never_exceed_the_balance(monkeypatch):
    invoice = InvoiceFactory()
    staff = [StaffFactory(), StaffFactory()]
    real_room_for = recorded_payments._room_for

    def slow_room_for(*args, **kwargs):
        # Hold the transaction open after the balance was checked and before the
        # payment is stored: without the invoice lock both would find 100.00 free.
        problem = real_room_for(*args, **kwargs)
        time.sleep(0.5)
        return problem

    monkeypatch.setattr(recorded_payments, "_room_for", slow_room_for)
    barrier = threading.Barrier(2)
    outcomes = []

    def record_60(member):
        try:
            barrier.wait(timeout=10)
            record(invoice, member, amount="60.00")
            outcomes.append("recorded")
        except PaymentRecordRefused:
            outcomes.append("refused")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=record_60, args=(member,)) for member in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["recorded", "refused"]
    invoice = fresh(invoice)
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.amount_paid == Decimal("60.00")
    assert Payment.objects.count() == 1
    assert AuditEntry.objects.filter(action="payment.recorded_offline").count() == 1
