"""Issue 13, done when #1: card details never reach Trellis.

In Chromium, Maria adds a card under Manage Payments and pays an invoice with a
new card, each after a form that Trellis showed again with an error. Every
request the browser sends is recorded: none sent to Trellis's own URLs carries
the card number (with or without its spaces) or the security code in its body
or query string, while those sent to the sandbox processor do (so the recorder
does see bodies). Then the database, the logs and the outbox hold no card
number either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Request, expect

from trellis.billing.models import Invoice, PaymentMethod
from trellis.customers.models import PropertyContact
from trellis.e2e.steps import card_field, fill_card, portal_signed_in, sandbox_processor_at
from trellis.mail.models import OutgoingEmail
from trellis.testing.card_data import (
    card_numbers_in,
    database_dump,
    security_code_in,
    typed_numbers_in,
)
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    PropertyFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROCESSOR_PATH = "/sandbox-processor/"
# A security code of each length; see carries_cvv for how it is looked for.
AMEX, AMEX_CVV = "3782 822463 10005", "7391"
VISA, VISA_CVV = "4242 4242 4242 4242", "739"


@dataclass(frozen=True)
class Sent:
    """One request the browser sent, its query string and body decoded as a
    server would read them."""

    url: str
    method: str
    body: str

    @property
    def to_processor(self) -> bool:
        return urlsplit(self.url).path.startswith(PROCESSOR_PATH)

    @property
    def text(self) -> str:
        query = urlsplit(self.url).query
        return " ".join([query, unquote_plus(query), self.body, unquote_plus(self.body)])


def recorded(page: Page) -> list[Sent]:
    """Every request the page and its frames send from now on."""
    sent: list[Sent] = []

    def record(request: Request) -> None:
        body = request.post_data_buffer
        sent.append(
            Sent(request.url, request.method, body.decode(errors="replace") if body else "")
        )

    page.context.on("request", record)
    return sent


def carries_number(text: str, number: str) -> bool:
    digits = number.replace(" ", "")
    return number in text or digits in text or bool(typed_numbers_in(text, [number]))


def carries_cvv(text: str, cvv: str) -> bool:
    """The code as a value of its own ("cvv": "739", cvv=739, '739'), not digits
    inside a longer token or key, a time's milliseconds (.739) or a line number (:739)."""
    return re.search(rf"(?<![0-9A-Za-z.:,_-]){cvv}(?![0-9A-Za-z])", text) is not None


def assert_shown_again_without_the_card(page: Page, number: str, cvv: str) -> None:
    """A form Trellis showed again after an error: nothing typed into the
    processor's field is in Trellis's page, and the field is empty again."""
    html = page.content()
    assert not carries_number(html, number)
    assert not carries_cvv(html, cvv)
    field = card_field(page)
    expect(field.get_by_label("Card number")).to_have_value("")
    expect(field.get_by_label("Security code (CVV)")).to_have_value("")


@pytest.fixture
def maria_with_an_invoice():
    account = CustomerAccountFactory(
        contact=ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    )
    home = PropertyFactory(name="12 Elm Street")
    PropertyContact.objects.create(property=home, contact=account.contact, role="billing")
    return InvoiceFactory(
        property=home,
        number="INV-1301",
        emailed_at=timezone.now(),
        lines=[
            {"description": "Spring clean-up", "unit_price": Decimal("100.00"), "taxable": False}
        ],
    )


def test_the_card_number_and_cvv_reach_only_the_processor(
    live_server, browser, settings, caplog, maria_with_an_invoice
):
    caplog.set_level("DEBUG")
    invoice = maria_with_an_invoice
    sandbox_processor_at(settings, live_server.url)
    page = portal_signed_in(browser, live_server.url, "maria@example.com")
    sent = recorded(page)

    # Manage Payments > Add a Payment Method: an error in the processor's own
    # field is told there, and nothing is sent to Trellis.
    page.get_by_role("link", name="User Profile").click()
    page.get_by_role("link", name="Manage Payments").first.click()
    page.get_by_role("link", name="Add a card").click()
    fill_card(page, AMEX, cvv="739")
    posts_before = len([s for s in sent if s.method == "POST" and not s.to_processor])
    page.get_by_role("button", name="Save payment method").click()
    expect(card_field(page).get_by_text("4 digits on the front")).to_be_visible()
    assert len([s for s in sent if s.method == "POST" and not s.to_processor]) == posts_before

    # Then the card right, but no name on it: Trellis shows the form again.
    card_field(page).get_by_label("Security code (CVV)").fill(AMEX_CVV)
    page.get_by_label("Name on card").fill("")
    page.get_by_role("button", name="Save payment method").click()
    expect(page.get_by_text("Enter the name on the card.").first).to_be_visible()
    assert_shown_again_without_the_card(page, AMEX, AMEX_CVV)

    fill_card(page, AMEX, cvv=AMEX_CVV)
    page.get_by_role("button", name="Save payment method").click()
    expect(page.get_by_text("Your American Express •••• 0005 has been saved.")).to_be_visible()

    # Pay Invoice with a new card: an amount too large first, then right.
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Pay Invoice").click()
    page.get_by_label("Add a Payment Method").check()
    fill_card(page, VISA, cvv=VISA_CVV)
    page.get_by_label("Amount").fill("1000.00")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("more than the balance due")).to_be_visible()
    assert_shown_again_without_the_card(page, VISA, VISA_CVV)

    page.get_by_label("Add a Payment Method").check()
    fill_card(page, VISA, cvv=VISA_CVV)
    page.get_by_label("Amount").fill("40.00")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm payment").click()
    expect(page.get_by_text("Thank you for your payment")).to_be_visible()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTIALLY_PAID, Decimal(40))
    assert set(PaymentMethod.objects.values_list("brand", "last4")) == {
        ("amex", "0005"),
        ("visa", "4242"),
    }

    # What the browser sent: the card to the processor, only its token to Trellis.
    to_processor = " ".join(s.text for s in sent if s.to_processor)
    to_trellis = [s for s in sent if not s.to_processor]
    for number, cvv in ((AMEX, AMEX_CVV), (VISA, VISA_CVV)):
        assert carries_number(to_processor, number) and carries_cvv(to_processor, cvv)
        for request in to_trellis:
            assert not carries_number(request.text, number), request.url
            assert not carries_cvv(request.text, cvv), request.url
    tokens_sent = [s for s in to_trellis if "card_token=tok_" in s.body]
    assert len(tokens_sent) == 4  # two to Manage Payments, two to Pay Invoice: bodies are seen

    # And nothing Trellis keeps holds a card number.
    emails = " ".join(
        f"{e.subject} {e.body_text} {e.body_html}" for e in OutgoingEmail.objects.all()
    )
    assert "Visa" in emails  # the receipt was written, naming the card by its brand
    dump = database_dump()
    for text in (dump, caplog.text, emails):
        assert card_numbers_in(text) == set()
        assert typed_numbers_in(text, [AMEX, VISA]) == set()
    for cvv in (AMEX_CVV, VISA_CVV):
        assert not security_code_in(dump + caplog.text + emails, cvv)
