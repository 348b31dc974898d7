"""US bank accounts (ACH) in the office: the contact's payment methods panel
shows each with its type and whether it is verified; staff save one for a
contact through the processor's bank field (its token is all Trellis gets);
an invoice's payments say when a bank payment is still clearing or was
returned; Troubleshoot portal access tells of one that cannot be charged yet."""

import datetime as dt
import logging
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from trellis.audit.models import AuditEntry
from trellis.billing.gateways.base import CardEntry, GatewayUnavailable
from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.billing.models import Payment, PaymentMethod
from trellis.billing.tests.test_payment_methods import stored_text
from trellis.company.models import Company
from trellis.doctor.contact import contact_checks
from trellis.office.tests.test_contact_page import staff_with
from trellis.sandbox_processor.testing import bank_account_token
from trellis.testing.card_data import typed_numbers_in
from trellis.testing.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

Verification = PaymentMethod.Verification
BANK = PaymentMethod.Kind.BANK_ACCOUNT
ACCOUNT_NUMBER = "000123456789"  # the sandbox's test account that waits for its deposits
INSTANT_ACCOUNT_NUMBER = "000000001234"  # verified at once
PENDING_SAVED = (
    "Saved. The customer confirms the two small deposits in the portal (Manage Payments) "
    "before it can be charged."
)
PROCESSING = "Processing (bank payment, clears in 3–5 business days)"  # noqa: RUF001 (as shown)
UNCONFIRMED = "waiting for the customer to confirm the deposits: it cannot be charged yet"


class BankFieldDownGateway(SandboxGateway):
    """The sandbox, with its bank field down as when the processor does not answer."""

    def bank_entry(self, *, customer: str, language: str) -> CardEntry:
        raise GatewayUnavailable("The payment processor did not answer.")


def contact_url(name, contact_id):
    return reverse(f"office:{name}", kwargs={"contact_id": contact_id})


def bank_url(contact_id):
    return contact_url("contact-payment-method", contact_id) + "?kind=bank_account"


def typed(account_number=ACCOUNT_NUMBER, **fields):
    """The form as the page posts it once the account is typed into the processor's field."""
    return {
        "bank_token": bank_account_token(account_number),
        "holder_name": "Charlie Chen",
    } | fields


def bank_account(contact, **fields):
    """A checking account at the sandbox's bank, verified unless `verification` says otherwise."""
    return PaymentMethod.objects.create(
        **{
            "contact": contact,
            "kind": BANK,
            "processor": "sandbox",
            "token": f"ba_{uuid.uuid4().hex}",
            "last4": "6789",
            "bank_name": "Sandbox Test Bank",
            "account_type": PaymentMethod.AccountType.CHECKING,
            "holder_name": contact.full_name,
        }
        | fields
    )


def card(contact, *, exp_year=None, **fields):
    return PaymentMethod.objects.create(
        contact=contact,
        processor="sandbox",
        token=f"card_{uuid.uuid4().hex}",
        brand=PaymentMethod.Brand.VISA,
        last4="4242",
        exp_month=7,
        exp_year=exp_year or timezone.localdate().year + 2,
        holder_name=contact.full_name,
        **fields,
    )


def panel_row(html, method):
    return html.split(f'id="payment-method-{method.pk}"')[1].split("</tr>")[0]


# --- the contact's payment methods panel ----------------------------------------


def test_the_panel_shows_a_bank_account_with_its_type_and_state(office, charlie, staff):
    waiting = bank_account(
        charlie,
        last4="6789",
        verification=Verification.PENDING,
        account_type=PaymentMethod.AccountType.SAVINGS,
        saved_by_staff=staff,
    )
    verified = bank_account(charlie, last4="1234", is_default=True)
    failed = bank_account(charlie, last4="5555", verification=Verification.FAILED)

    html = office.get(contact_url("contact", charlie.pk)).text

    row = panel_row(html, waiting)
    assert "Sandbox Test Bank •••• 6789" in row and "Savings" in row
    assert "Waiting for the customer to confirm the deposits" in row
    assert "Default" not in row and "by Jane Smith" in row
    row = panel_row(html, verified)
    assert "Checking" in row and "Verified" in row and "Default bank account" in row
    assert "by the customer" in row
    assert "Could not be verified" in panel_row(html, failed)
    assert "Expires" not in row and "Expired" not in row


def test_the_panel_marks_the_default_card_and_the_default_bank_account_apart(office, charlie):
    default_card = card(charlie, is_default=True)
    default_account = bank_account(charlie, is_default=True)

    html = office.get(contact_url("contact", charlie.pk)).text

    row = panel_row(html, default_card)
    assert "Default card" in row and "Expires 07/" in row and "Verified" not in row
    assert "Default bank account" in panel_row(html, default_account)


def test_the_panel_offers_to_save_a_bank_account(office, charlie):
    html = office.get(contact_url("contact", charlie.pk)).text

    assert escape(bank_url(charlie.pk)) in html


def test_staff_who_may_not_save_payment_methods_are_not_offered_a_bank_account(client, charlie):
    client.force_login(staff_with("view_contact", "change_contact"))

    html = client.get(contact_url("contact", charlie.pk)).text

    assert "Save a bank account" not in html


# --- staff save a bank account for a contact -------------------------------------


def test_the_bank_page_embeds_the_processors_bank_field(office, charlie):
    html = office.get(bank_url(charlie.pk)).text

    assert 'name="bank_token"' in html and 'name="card_token"' not in html
    assert "/sandbox-processor/" in html
    assert 'name="routing_number"' not in html and 'name="account_number"' not in html
    assert 'name="holder_name"' in html and 'name="postcode"' not in html
    assert "Make this the contact&#x27;s default bank account" in html
    assert f'action="{escape(bank_url(charlie.pk))}"' in html


def test_staff_save_a_bank_account_that_waits_for_the_customers_deposits(
    office, charlie, staff, caplog
):
    caplog.set_level(logging.DEBUG)

    response = office.post(bank_url(charlie.pk), typed(make_default="on"), follow=True)

    assert response.redirect_chain == [
        (contact_url("contact", charlie.pk) + "#payment-methods", 302)
    ]
    method = PaymentMethod.objects.get()
    assert (method.contact, method.kind, method.saved_by_staff) == (charlie, BANK, staff)
    assert (method.last4, method.verification, method.is_default) == ("6789", "pending", False)
    assert [str(m) for m in response.context["messages"]] == [PENDING_SAVED]
    assert "Waiting for the customer to confirm the deposits" in panel_row(response.text, method)
    entry = AuditEntry.objects.get(action="payment_method.saved_by_staff")
    assert entry.actor == staff and entry.target_id == str(method.pk)
    assert entry.data["kind"] == BANK
    assert typed_numbers_in(stored_text(), [ACCOUNT_NUMBER]) == set()
    assert typed_numbers_in(caplog.text, [ACCOUNT_NUMBER]) == set()


def test_a_bank_account_verified_at_once_becomes_the_default_when_asked(office, charlie):
    bank_account(charlie, last4="1111", is_default=True)

    response = office.post(
        bank_url(charlie.pk), typed(INSTANT_ACCOUNT_NUMBER, make_default="on"), follow=True
    )

    method = PaymentMethod.objects.get(last4="1234")
    assert method.is_default and method.verification == Verification.VERIFIED
    assert not PaymentMethod.objects.get(last4="1111").is_default
    assert [str(m) for m in response.context["messages"]] == [
        "Sandbox Test Bank •••• 1234 saved to Charlie Chen."
    ]


def test_a_bank_account_not_entered_is_asked_for_and_the_name_kept(office, charlie):
    response = office.post(bank_url(charlie.pk), {"bank_token": "", "holder_name": "Charlie Q"})

    assert response.status_code == 400
    assert "Enter your bank account details." in response.text
    assert 'value="Charlie Q"' in response.text
    assert not PaymentMethod.objects.exists()


def test_a_bank_token_used_already_is_refused_and_nothing_is_saved(office, charlie):
    data = typed()
    office.post(bank_url(charlie.pk), data)
    PaymentMethod.objects.all().delete()
    AuditEntry.objects.all().delete()  # the first save, out of the way

    response = office.post(bank_url(charlie.pk), data)  # the form sent again

    assert response.status_code == 400
    assert escape("Your bank account details have expired. Enter them again.") in response.text
    assert data["bank_token"] not in response.text
    assert not PaymentMethod.objects.exists()
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


def test_the_page_says_so_when_the_processors_bank_field_cannot_be_reached(
    office, charlie, settings
):
    settings.PAYMENT_GATEWAY = f"{__name__}.BankFieldDownGateway"

    html = office.get(bank_url(charlie.pk)).text

    assert "a bank account cannot be added right now" in html
    assert 'name="bank_token"' not in html


def test_staff_are_told_when_the_contact_keeps_as_many_methods_as_allowed(
    office, charlie, settings
):
    settings.PAYMENT_METHODS_PER_CONTACT = 1
    card(charlie)

    response = office.post(bank_url(charlie.pk), typed())

    assert response.status_code == 400
    assert (
        escape(
            "Charlie Chen already has 1 saved payment methods, the most a contact can keep. "
            "Remove one they no longer use, then save this bank account."
        )
        in response.text
    )
    assert not PaymentMethod.objects.filter(kind=BANK).exists()


@pytest.mark.parametrize(
    "permissions",
    [("view_contact", "change_contact"), ("view_contact", "add_paymentmethod")],
    ids=["may not save payment methods", "may not change the contact"],
)
def test_staff_without_both_permissions_cannot_save_a_bank_account(client, charlie, permissions):
    client.force_login(staff_with(*permissions))

    assert client.get(bank_url(charlie.pk)).status_code == 403
    assert client.post(bank_url(charlie.pk), {"holder_name": "Charlie"}).status_code == 403
    assert not PaymentMethod.objects.exists()


def test_an_unknown_contact_answers_404(office):
    assert office.get(bank_url(999999)).status_code == 404
    assert office.post(bank_url(999999), {"holder_name": "Nobody"}).status_code == 404


# --- an invoice's payments --------------------------------------------------------


def bank_payment(invoice, method, **fields):
    return Payment.objects.create(
        invoice=invoice,
        method=method,
        paid_by=method.contact,
        amount=Decimal("100.00"),
        idempotency_key=uuid.uuid4().hex,
        processor_reference=f"ch_{uuid.uuid4().hex[:12]}",
        **fields,
    )


def payments_of(office, invoice):
    html = office.get(reverse("office:invoice", args=[invoice.pk])).text
    return html.split('id="invoice-payments"')[1].split("</section>")[0]


def payment_row(payments, payment):
    return payments.split(f'id="payment-{payment.pk}"')[1].split("</tr>")[0]


def test_a_bank_payment_still_clearing_says_so(office, charlie):
    invoice = InvoiceFactory()
    clearing = bank_payment(invoice, bank_account(charlie), processing_at=timezone.now())
    waiting_card = bank_payment(invoice, card(charlie))  # a card payment at its bank's prompt

    payments = payments_of(office, invoice)

    assert PROCESSING in payment_row(payments, clearing)
    assert "Processing" not in payment_row(payments, waiting_card)
    assert "Pending" in payment_row(payments, waiting_card)


def test_a_returned_bank_payment_says_why(office, charlie):
    invoice = InvoiceFactory()
    returned = bank_payment(
        invoice,
        bank_account(charlie),
        status=Payment.Status.FAILED,
        processing_at=timezone.now() - dt.timedelta(days=4),
        failure_message="The account has insufficient funds.",
    )
    declined_card = bank_payment(
        invoice, card(charlie), status=Payment.Status.FAILED, failure_message="Card declined."
    )

    payments = payments_of(office, invoice)

    assert "Returned: The account has insufficient funds." in payment_row(payments, returned)
    row = payment_row(payments, declined_card)
    assert "Returned" not in row and "Failed" in row and "Card declined." in row


# --- Troubleshoot portal access ---------------------------------------------------


def payment_methods_check(contact):
    (check,) = [
        c
        for c in contact_checks(contact=contact, company=Company.load())
        if c.code == "payment_methods"
    ]
    return check


def test_troubleshooting_tells_of_a_bank_account_that_cannot_be_charged_yet(db, charlie):
    bank_account(charlie, verification=Verification.PENDING)

    check = payment_methods_check(charlie)

    assert check.answer == "Yes: 1 saved."
    assert check.evidence == (f"Sandbox Test Bank •••• 6789 (checking, {UNCONFIRMED})",)
    (hint,) = check.hints
    assert UNCONFIRMED in hint and "Manage Payments" in hint


def test_a_verified_bank_account_has_no_expiry_and_gives_no_hint(db, charlie):
    bank_account(charlie)
    card(charlie, exp_year=timezone.localdate().year - 1)  # expired: the one hint

    check = payment_methods_check(charlie)

    assert "Sandbox Test Bank •••• 6789 (checking, verified)" in check.evidence
    (hint,) = check.hints
    assert "Visa •••• 4242 expired" in hint


def test_a_bank_account_that_failed_verification_is_a_hint(db, charlie):
    bank_account(charlie, verification=Verification.FAILED)

    (hint,) = payment_methods_check(charlie).hints

    assert "could not be verified" in hint and "add it again" in hint


def test_the_troubleshoot_page_shows_the_unverified_bank_account(office, charlie):
    bank_account(charlie, verification=Verification.PENDING)

    html = office.get(contact_url("contact-troubleshoot", charlie.pk)).text

    assert escape(UNCONFIRMED) in html
