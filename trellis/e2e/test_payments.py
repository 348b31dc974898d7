"""Issue 5 end to end: a card added under Manage Payments, part of a due invoice
paid with a new card, a declined test card that charges nothing; then proof
that no card number is left in the database, the logs or the outbox. The cards
are typed into the sandbox processor's own field (issue 13; what the browser
sends where: test_card_data_never_reaches_trellis.py)."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from trellis.billing.models import Invoice
from trellis.billing.tests.methods import saved_card
from trellis.customers.models import PropertyContact
from trellis.e2e.steps import fill_card, portal_signed_in, sandbox_processor_at
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as ProcessorCharge
from trellis.testing.card_data import card_numbers_in, database_dump, typed_numbers_in
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    PropertyFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pay_with_new_card(page, live_server, invoice, number, amount):
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Pay Invoice").click()
    page.get_by_label("Add a Payment Method").check()
    fill_card(page, number)
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm payment").click()


def test_cards_and_payments_in_chromium_keep_no_card_data(live_server, browser, settings, caplog):
    caplog.set_level("DEBUG")
    sandbox_processor_at(settings, live_server.url)
    account = CustomerAccountFactory(
        contact=ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    )
    home = PropertyFactory(name="12 Elm Street")
    PropertyContact.objects.create(property=home, contact=account.contact, role="billing")
    invoice = InvoiceFactory(
        property=home,
        number="INV-5001",
        emailed_at=timezone.now(),
        lines=[{"description": "Fall clean-up", "unit_price": Decimal("100.00"), "taxable": False}],
    )

    page = portal_signed_in(browser, live_server.url, "maria@example.com")

    page.get_by_role("link", name="User Profile").click()
    page.get_by_role("link", name="Manage Payments").first.click()
    expect(page.get_by_text("You have no saved payment methods.")).to_be_visible()
    page.get_by_role("link", name="Add a card").click()
    fill_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Save payment method").click()
    expect(page.get_by_text("Visa •••• 4242").first).to_be_visible()

    pay_with_new_card(page, live_server, invoice, "4000000000000002", "40.00")
    expect(page.get_by_text("Your payment did not go through")).to_be_visible()
    expect(page.get_by_text("Your card was declined.")).to_be_visible()
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal(0)
    assert not ProcessorCharge.objects.filter(status=ProcessorCharge.Status.SUCCEEDED).exists()

    pay_with_new_card(page, live_server, invoice, "5555555555554444", "40.00")
    expect(page.get_by_text("Thank you for your payment")).to_be_visible()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("40.00"),
        Decimal("60.00"),
    )
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_text(re.compile(r"Mastercard •••• 4444"))).to_be_visible()

    emails = " ".join(
        f"{e.subject} {e.body_text} {e.body_html}" for e in OutgoingEmail.objects.all()
    )
    typed = ["4242 4242 4242 4242", "4000000000000002", "5555555555554444"]
    for text in (database_dump(), caplog.text, emails):
        assert card_numbers_in(text) == set()
        assert typed_numbers_in(text, typed) == set()
    assert "Mastercard" in emails  # the receipt names the card by brand, not number


def test_without_javascript_a_saved_card_still_pays(live_server, browser, settings):
    sandbox_processor_at(settings, live_server.url)
    account = CustomerAccountFactory(
        contact=ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    )
    home = PropertyFactory(name="12 Elm Street")
    PropertyContact.objects.create(property=home, contact=account.contact, role="billing")
    invoice = InvoiceFactory(
        property=home,
        emailed_at=timezone.now(),
        lines=[{"description": "Mulch", "unit_price": Decimal("60.00"), "taxable": False}],
    )
    saved_card(account.contact, is_default=True)

    page = portal_signed_in(
        browser, live_server.url, "maria@example.com", java_script_enabled=False
    )
    page.goto(f"{live_server.url}/profile/payment-methods/add/")
    # A <noscript>: Chromium with scripts turned off by Playwright still parses
    # it as if they ran, so it is read from the page, not seen.
    assert re.search(r"<noscript>[^<]*<p>Entering a card needs JavaScript\.", page.content())

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/pay/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm payment").click()
    expect(page.get_by_text("Thank you for your payment")).to_be_visible()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
