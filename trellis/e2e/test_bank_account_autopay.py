"""Issue 14 end to end, on the demo data: Maria Lopez adds a bank account in
the sandbox processor's own field, confirms its two small deposits, and turns
autopay on for her home. A new invoice is published; on its due date (the
test moves the clock there) the worker charges it; the bank payment clears
four sandbox days later and its webhook reaches Trellis; Maria gets the
receipt and Jane Smith sees the payment in the office's inbox."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from trellis.accounts.management.commands.demo_accounts import (
    CUSTOMER_PASSWORD,
    STAFF_PASSWORD,
)
from trellis.autopay.models import Enrollment
from trellis.autopay.tasks import autopay_run
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.customers.models import Property
from trellis.e2e.steps import demo_start, office_signed_in, portal_signed_in, sandbox_processor_at
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import InvoiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARIA = "maria.lopez@example.com"
JANE = "jane.smith@greenway.example"
HOME = "Lopez Residence"


def test_a_bank_account_verified_and_on_autopay_pays_a_new_invoice(live_server, browser, settings):
    demo_start()
    url = live_server.url
    sandbox_processor_at(settings, url)
    settings.SANDBOX_WEBHOOKS_DELIVER = True
    settings.SANDBOX_WEBHOOK_URL = f"{url}/webhooks/sandbox/"

    maria = portal_signed_in(browser, url, MARIA, CUSTOMER_PASSWORD)
    maria.get_by_role("link", name="User Profile").click()
    maria.get_by_role("link", name="Manage Payments").first.click()
    maria.get_by_role("link", name="Add a bank account").click()
    maria.get_by_label("Account holder").fill("Maria Lopez")
    field = maria.frame_locator("[data-sandbox-card-entry] iframe")
    field.get_by_label("Routing number").fill("110000000")
    field.get_by_label("Account number", exact=True).fill("000123456789")
    field.get_by_label("Account number again").fill("000123456789")
    field.get_by_label("Checking").check()
    maria.get_by_role("button", name="Save bank account").click()

    expect(maria.get_by_role("heading", name="Confirm the two small deposits")).to_be_visible()
    maria.get_by_label("First deposit").fill("0.32")
    maria.get_by_label("Second deposit").fill("0.45")
    maria.get_by_role("button", name="Confirm").click()
    expect(maria.get_by_text("Sandbox Test Bank •••• 6789").first).to_be_visible()
    account = PaymentMethod.objects.get(kind=PaymentMethod.Kind.BANK_ACCOUNT)
    assert account.verification == PaymentMethod.Verification.VERIFIED

    maria.goto(f"{url}/profile/autopay/")
    maria.get_by_label(HOME).check()
    maria.get_by_label("Sandbox Test Bank •••• 6789").check()
    maria.get_by_role("button", name="Continue").click()
    agreed = maria.locator("#authorisation-text").inner_text()
    maria.get_by_label("I authorise").check()
    maria.get_by_role("button", name="Turn autopay on").click()
    expect(maria.get_by_text("Autopay is on")).to_be_visible()
    enrollment = Enrollment.objects.get(ended_at__isnull=True)
    assert enrollment.method == account
    assert enrollment.authorisation_text in agreed

    # The office publishes the month's invoice, due in ten days.
    home = Property.objects.get(name=HOME)
    due = timezone.localdate() + dt.timedelta(days=10)
    invoice = InvoiceFactory(
        property=home,
        number="INV-24100",
        due_on=due,
        emailed_at=timezone.now(),
        lines=[{"description": "Mowing, December", "unit_price": Decimal("165.00")}],
    )

    # The worker, on the due date: the bank payment starts clearing.
    with time_machine.travel(dt.datetime.combine(due, dt.time(9)), tick=True):
        autopay_run.enqueue()
    payment = Payment.objects.get(invoice=invoice)
    assert payment.origin == Payment.Origin.AUTOPAY
    assert payment.processing

    maria.goto(f"{url}/invoices/{invoice.pk}/")
    expect(maria.get_by_text("pending").first).to_be_visible()

    # Four days after the due date the bank payment clears (the sandbox's clock
    # moved past it); its webhook reaches Trellis.
    call_command("sandbox_advance", "--days", "15", stdout=io.StringIO())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    receipt = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.RECEIPT, to_address=MARIA)
    assert "INV-24100" in receipt.subject

    jane = office_signed_in(browser, url, JANE, STAFF_PASSWORD)
    jane.get_by_role("link", name="Inbox").first.click()
    expect(jane.get_by_text("Maria Lopez paid 165.00 on invoice INV-24100")).to_be_visible()
