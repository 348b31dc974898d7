"""Manage Payments' bank accounts: the list in two groups, Add a bank account,
and confirming the two small deposits.

The routing and account numbers are typed into the processor's bank field;
the page posts Trellis only the processor's token (`bank_token`) and the
account holder. The sandbox's test accounts are listed in
trellis/sandbox_processor/behaviours.py: its deposits are always 0.32 and 0.45.
"""

import logging
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from trellis.billing.bank_accounts import bank_account_add, bank_account_verify
from trellis.billing.gateways.base import CardEntry, GatewayUnavailable
from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.billing.models import PaymentMethod
from trellis.billing.tests.methods import saved_card
from trellis.billing.tests.test_payment_methods import stored_text
from trellis.sandbox_processor.testing import bank_account_token
from trellis.testing.factories import CustomerAccountFactory

pytestmark = pytest.mark.django_db

LIST = "/profile/payment-methods/"
ADD = "/profile/payment-methods/add-bank-account/"
NEEDS_DEPOSITS = "000123456789"
VERIFIED_AT_ONCE = "000000001234"
NEVER_VERIFIES = "000333333335"
DEPOSITS = {"first": "0.32", "second": "45"}
SANDBOX_DEPOSITS = (Decimal("0.32"), Decimal("0.45"))
WRONG = {"first": "0.12", "second": "0.34"}
DEPOSITS_SENT = (
    "We sent two small deposits to your account. They arrive in 1 to 2 business days: "
    "enter their amounts here to finish."
)
# What the add form may send Trellis: never a routing or account number.
TRELLIS_FIELDS = {"csrfmiddlewaretoken", "bank_token", "holder_name", "make_default"}

Verification = PaymentMethod.Verification


class UnreachableGateway(SandboxGateway):
    """The processor down when the page asks for its bank field."""

    def bank_entry(self, *, customer: str, language: str) -> CardEntry:
        raise GatewayUnavailable("The payment processor did not answer.")


def verify_url(method):
    return f"/profile/payment-methods/{method.pk}/verify/"


def typed(number=NEEDS_DEPOSITS, **fields):
    """The add form as the page posts it once the account is typed into the
    processor's bank field: its token, and Trellis's own fields."""
    return {"bank_token": bank_account_token(number), "holder_name": "Alice Arnold"} | fields


def saved_account(contact, number=NEEDS_DEPOSITS, **options):
    return bank_account_add(
        contact=contact,
        token=bank_account_token(number, account_type=options.pop("account_type", "checking")),
        holder_name="Alice Arnold",
        saved_by=None,
        make_default=options.pop("make_default", False),
    )


def verified_account(contact, **options):
    method = saved_account(contact, **options)
    return bank_account_verify(method=method, amounts=SANDBOX_DEPOSITS).method


def failed_account(contact):
    method = saved_account(contact, NEVER_VERIFIES)
    return bank_account_verify(method=method, amounts=SANDBOX_DEPOSITS).method


def form_fields(html):
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))


def group(html, heading_id):
    """The part of the page from a group's heading to the next heading."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<h", start + 1)
    return html[start:end]


# --- the list


def test_the_list_shows_cards_and_bank_accounts_in_two_groups_with_their_states(
    alice_client, alice
):
    saved_card(alice.contact, is_default=True)
    verified = verified_account(alice.contact)
    pending = saved_account(alice.contact, "000987654321", account_type="savings")
    failed = failed_account(alice.contact)

    html = alice_client.get(LIST).text

    cards, banks = group(html, "cards-heading"), group(html, "bank-accounts-heading")
    assert "Visa •••• 4242" in cards and "Sandbox Test Bank" not in cards
    assert "Sandbox Test Bank •••• 6789" in banks and "Visa" not in banks
    assert "Checking" in banks and "Savings" in banks and "•••• 4321" in banks
    # Each group its own default: the card, and the first verified bank account.
    assert cards.count('class="badge">Default<') == 1
    assert banks.count('class="badge">Default<') == 1
    assert verified.is_default
    assert f'href="{verify_url(pending)}">Confirm the two small deposits</a>' in banks
    assert "Could not be verified" in banks
    assert f'action="/profile/payment-methods/{failed.pk}/remove/"' in banks
    # Neither the one waiting nor the failed one is offered as the default.
    assert f'action="/profile/payment-methods/{pending.pk}/default/"' not in banks
    assert f'action="/profile/payment-methods/{failed.pk}/default/"' not in banks
    assert 'href="/profile/payment-methods/add/">Add a card<' in html
    assert f'href="{ADD}">Add a bank account<' in html


def test_making_an_unverified_account_the_default_is_refused_with_the_services_words(
    alice_client, alice
):
    pending = saved_account(alice.contact)
    response = alice_client.post(f"/profile/payment-methods/{pending.pk}/default/", follow=True)
    assert "Confirm the two small deposits first" in response.text
    pending.refresh_from_db()
    assert not pending.is_default


def test_a_default_bank_account_and_a_default_card_live_side_by_side(alice_client, alice):
    card = saved_card(alice.contact, is_default=True)
    first = verified_account(alice.contact)
    second = saved_account(alice.contact, VERIFIED_AT_ONCE)

    response = alice_client.post(f"/profile/payment-methods/{second.pk}/default/", follow=True)

    assert "Sandbox Test Bank •••• 1234 is now your default bank account." in response.text
    card.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert card.is_default and second.is_default and not first.is_default


def test_removing_the_default_bank_account_passes_it_to_a_verified_one(alice_client, alice):
    default = saved_account(alice.contact, VERIFIED_AT_ONCE)
    verified = verified_account(alice.contact)
    saved_account(alice.contact, "000987654321")  # the newest, but waiting for its deposits
    assert default.is_default and not verified.is_default

    response = alice_client.post(f"/profile/payment-methods/{default.pk}/remove/", follow=True)

    assert "Sandbox Test Bank •••• 6789 is now your default bank account." in response.text
    verified.refresh_from_db()
    assert verified.is_default


# --- Add a bank account


def test_the_add_page_embeds_the_processors_bank_field_and_asks_trellis_for_no_numbers(
    alice_client, greenway
):
    response = alice_client.get(ADD)
    html = response.text
    assert response.status_code == 200
    assert "/sandbox-processor/" in html
    assert form_fields(html) == TRELLIS_FIELDS
    assert "Make this my default bank account" in html
    assert (
        "By saving this account, you authorise Greenway Landscaping to debit it for the "
        "payments you choose to make, and to credit it if a payment is refunded. Bank "
        "payments take 3 to 5 business days to clear."
    ) in html


def test_without_the_processor_the_page_says_a_bank_account_cannot_be_added_now(
    alice_client, settings
):
    settings.PAYMENT_GATEWAY = f"{__name__}.UnreachableGateway"
    html = alice_client.get(ADD).text
    assert "a bank account cannot be added right now" in html
    assert "/sandbox-processor/" not in html


def test_an_account_needing_deposits_goes_to_its_verify_page(alice_client, alice):
    response = alice_client.post(ADD, typed(make_default="on"))

    method = PaymentMethod.objects.get()
    assert response.status_code == 302 and response.url == verify_url(method)
    assert (method.contact, method.kind) == (alice.contact, PaymentMethod.Kind.BANK_ACCOUNT)
    assert (method.bank_name, method.last4, method.account_type) == (
        "Sandbox Test Bank",
        "6789",
        "checking",
    )
    assert method.verification == Verification.PENDING and not method.is_default
    page = alice_client.get(response.url).text
    assert escape(DEPOSITS_SENT) in page
    assert "You have 3 tries left." in page


def test_an_account_verified_at_once_goes_back_to_the_list_as_the_default(alice_client, alice):
    response = alice_client.post(ADD, typed(VERIFIED_AT_ONCE), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Your Sandbox Test Bank •••• 1234 has been saved." in response.text
    assert PaymentMethod.objects.get().is_default


def test_a_refusal_keeps_the_holder_name_but_never_the_token(alice_client, settings):
    data = typed(holder_name="Alice Q. Arnold")
    alice_client.post(ADD, data)
    PaymentMethod.objects.all().delete()

    response = alice_client.post(ADD, data)  # the token was used already

    assert response.status_code == 400
    assert "Your bank account details have expired. Enter them again." in response.text
    assert 'value="Alice Q. Arnold"' in response.text
    assert data["bank_token"] not in response.text
    assert not PaymentMethod.objects.exists()


def test_a_full_list_of_methods_is_told_and_the_holder_name_kept(alice_client, alice, settings):
    settings.PAYMENT_METHODS_PER_CONTACT = 1
    saved_card(alice.contact)
    data = typed(holder_name="Alice Q. Arnold")

    response = alice_client.post(ADD, data)

    assert response.status_code == 400
    assert "the most you can keep" in response.text
    assert 'value="Alice Q. Arnold"' in response.text
    assert PaymentMethod.objects.count() == 1
    settings.PAYMENT_METHODS_PER_CONTACT = 2
    assert alice_client.post(ADD, data).status_code == 302  # the token was never used


@pytest.mark.parametrize("token", ["", "000123456789<script>"])
def test_an_account_not_entered_is_asked_for(alice_client, token):
    response = alice_client.post(ADD, typed(bank_token=token))
    assert response.status_code == 400
    assert "Enter your bank account details." in response.text
    assert not PaymentMethod.objects.exists()


def test_the_account_holder_is_asked_for(alice_client):
    response = alice_client.post(ADD, typed(holder_name=""))
    assert response.status_code == 400
    assert "Enter the name of the account holder." in response.text


def test_no_account_or_routing_number_is_kept_or_logged(alice_client, caplog):
    caplog.set_level(logging.DEBUG)
    alice_client.post(ADD, typed("000555666777"))
    assert PaymentMethod.objects.get().last4 == "6777"
    text = stored_text() + caplog.text
    assert "000555666777" not in text and "555666777" not in text


# --- confirming the deposits


def test_the_right_amounts_verify_it_and_make_it_the_default(alice_client, alice):
    method = saved_account(alice.contact)

    response = alice_client.post(verify_url(method), DEPOSITS, follow=True)

    assert response.redirect_chain[-1][0] == LIST
    assert "Sandbox Test Bank •••• 6789 is verified: you can pay with it now." in response.text
    method.refresh_from_db()
    assert method.verification == Verification.VERIFIED and method.is_default


def test_wrong_amounts_say_how_many_tries_are_left(alice_client, alice):
    method = saved_account(alice.contact)

    response = alice_client.post(verify_url(method), WRONG)

    assert response.status_code == 400
    assert "Those amounts do not match the deposits" in response.text
    assert "you have 2 tries left." in response.text
    assert "You have 2 tries left." in response.text
    method.refresh_from_db()
    assert method.verification == Verification.PENDING and method.verification_tries == 1


def test_three_wrong_tries_and_it_can_no_longer_be_verified(alice_client, alice):
    method = saved_account(alice.contact)
    alice_client.post(verify_url(method), WRONG)
    second = alice_client.post(verify_url(method), WRONG)
    assert "you have 1 try left." in second.text

    third = alice_client.post(verify_url(method), WRONG, follow=True)

    assert third.redirect_chain[-1][0] == LIST
    assert "that was the last try: this bank account cannot be verified" in third.text
    method.refresh_from_db()
    assert method.verification == Verification.FAILED
    # The page no longer asks for amounts: it sends the customer back to the list.
    again = alice_client.get(verify_url(method), follow=True)
    assert again.redirect_chain[-1][0] == LIST
    assert "This bank account could not be verified. Remove it and add it again." in again.text


def test_an_account_verified_already_is_not_asked_again(alice_client, alice):
    method = verified_account(alice.contact)
    response = alice_client.get(verify_url(method), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "This bank account is already verified." in response.text


@pytest.mark.parametrize("amounts", [{"first": "abc", "second": "0.45"}, {"first": "5"}])
def test_amounts_that_are_not_deposits_count_no_try(alice_client, alice, amounts):
    method = saved_account(alice.contact)
    response = alice_client.post(verify_url(method), amounts)
    assert response.status_code == 400
    method.refresh_from_db()
    assert method.verification_tries == 0


def test_another_customers_removed_or_card_method_answers_404(alice_client, alice, charlie):
    theirs = saved_account(charlie)
    other = saved_account(CustomerAccountFactory().contact)
    removed = saved_account(alice.contact)
    alice_client.post(f"/profile/payment-methods/{removed.pk}/remove/")
    card = saved_card(alice.contact)
    for method in (theirs, other, removed, card):
        assert alice_client.get(verify_url(method)).status_code == 404
        assert alice_client.post(verify_url(method), DEPOSITS).status_code == 404
    theirs.refresh_from_db()
    assert theirs.verification == Verification.PENDING and theirs.verification_tries == 0


# --- who may


def test_signed_out_visitors_go_to_sign_in(client, alice):
    method = saved_account(alice.contact)
    for path in (ADD, verify_url(method)):
        assert client.get(path)["Location"].startswith("/sign-in/")
        assert client.post(path, DEPOSITS)["Location"].startswith("/sign-in/")
    method.refresh_from_db()
    assert method.verification_tries == 0


def test_the_forms_need_the_csrf_token(alice):
    method = saved_account(alice.contact)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(ADD, typed()).status_code == 403
    assert client.post(verify_url(method), DEPOSITS).status_code == 403
    assert PaymentMethod.objects.count() == 1
    method.refresh_from_db()
    assert method.verification == Verification.PENDING


def test_a_staff_preview_shows_the_accounts_but_cannot_add_or_verify(client, staff, alice):
    method = saved_account(alice.contact)
    client.force_login(staff)
    client.post(reverse("office:contact-view-as", kwargs={"contact_id": alice.contact.pk}))

    html = client.get(LIST).text
    assert "Sandbox Test Bank •••• 6789" in html
    assert f'href="{ADD}"' not in html and f'href="{verify_url(method)}"' not in html
    assert client.get(ADD).status_code == 403
    assert client.post(verify_url(method), DEPOSITS).status_code == 403
    method.refresh_from_db()
    assert method.verification == Verification.PENDING and method.verification_tries == 0
