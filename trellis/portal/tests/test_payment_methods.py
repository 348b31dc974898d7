"""User Profile > Manage Payments: list, add, set default and remove saved cards.

A card is typed into the payment processor's own field; the page's form posts
Trellis only the processor's token (`card_token`), the name on the card and the
postcode. The card rules are the processor's (trellis/sandbox_processor/tests).
"""

import logging
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from trellis.billing.models import CardSaveAttempt, PaymentMethod
from trellis.billing.payment_methods import payment_method_add
from trellis.billing.processor_customers import processor_customer_of
from trellis.billing.tests import declining_gateway
from trellis.billing.tests.test_payment_methods import expired_method, stored_text
from trellis.company.models import Company
from trellis.sandbox_processor.testing import sandbox_token
from trellis.sandbox_processor.tokens import token_create
from trellis.testing.card_data import (
    card_numbers_in,
    card_tokenised,
    security_code_in,
    typed_numbers_in,
)
from trellis.testing.factories import CustomerAccountFactory

pytestmark = pytest.mark.django_db

LIST = "/profile/payment-methods/"
ADD = "/profile/payment-methods/add/"
NEXT_YEAR = date.today().year + 1
EMPTY = "You have no saved payment methods. Add a payment method to pay invoices faster."
TOKEN_USED = "Your card details have expired. Enter them again."
# What the add form may send Trellis: never a card number or security code.
TRELLIS_FIELDS = {"csrfmiddlewaretoken", "card_token", "holder_name", "postcode", "make_default"}


def typed(number="4242424242424242", **fields):
    """The add form as the page posts it once the card is typed into the
    processor's field: the token the field made of it, and Trellis's own fields."""
    return {
        "card_token": sandbox_token(number, exp_month=12, exp_year=NEXT_YEAR),
        "holder_name": "Alice Arnold",
        "postcode": "97201",
    } | fields


def saved(contact, number="4242424242424242", **kwargs):
    return payment_method_add(
        contact=contact,
        token=sandbox_token(number),
        holder_name="Alice Arnold",
        saved_by=kwargs.pop("saved_by", None),
        make_default=kwargs.pop("make_default", False),
    )


def page(response):
    return response.content.decode()


def form_fields(html):
    """The names of the fields in the page's own <form>s (not in the processor's frame)."""
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))


def test_signed_out_visitors_go_to_sign_in(client):
    assert client.get(LIST)["Location"].startswith("/sign-in/")
    assert client.get(ADD)["Location"].startswith("/sign-in/")


def test_the_profile_links_to_manage_payments(alice_client):
    assert f'href="{LIST}"' in page(alice_client.get("/profile/"))


def test_an_empty_list_tells_how_to_add_one(alice_client):
    response = alice_client.get(LIST)
    assert response.status_code == 200
    assert EMPTY in page(response)
    assert f'href="{ADD}"' in page(response)
    assert "Add a Payment Method" in page(response)


def test_the_add_form_embeds_the_processors_field_and_asks_trellis_for_no_card_data(
    alice_client,
):
    html = page(alice_client.get(ADD))
    assert "/sandbox-processor/" in html  # the processor's field and script
    assert form_fields(html) == TRELLIS_FIELDS
    assert 'autocomplete="cc-name"' in html and 'autocomplete="postal-code"' in html
    assert "Make this my default" in html
    assert "portal/payments.css" in html


def test_without_the_processor_the_page_says_a_card_cannot_be_added_now(alice_client, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.UNREACHABLE_PATH
    html = page(alice_client.get(ADD))
    assert "We could not reach our payment processor" in html
    assert "/sandbox-processor/" not in html


def test_adding_the_first_card_makes_it_default(alice_client, alice):
    token = sandbox_token("4242424242424242", exp_month=7, exp_year=NEXT_YEAR + 2)
    response = alice_client.post(ADD, typed(card_token=token), follow=True)
    method = PaymentMethod.objects.get()
    assert method.contact == alice.contact and method.is_default
    # As the processor reports it: the form sent only the token.
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == (
        "visa",
        "4242",
        7,
        NEXT_YEAR + 2,
    )
    assert (method.holder_name, method.billing_postcode) == ("Alice Arnold", "97201")
    html = page(response)
    assert "Your Visa •••• 4242 has been saved." in html
    assert "Visa •••• 4242" in html and "Default" in html
    assert f"Expires 07/{NEXT_YEAR + 2}" in html


def test_make_this_my_default(alice_client, alice):
    first = saved(alice.contact)
    alice_client.post(ADD, typed("5555555555554444", make_default="on"))
    first.refresh_from_db()
    assert not first.is_default
    assert PaymentMethod.objects.get(last4="4444").is_default
    alice_client.post(ADD, typed("6011111111111117"))
    assert not PaymentMethod.objects.get(last4="1117").is_default


def refused(response, message):
    """The form again, with the message, and nothing saved."""
    assert response.status_code == 400
    assert escape(message) in page(response)
    assert not PaymentMethod.objects.exists()


@pytest.mark.parametrize("token", ["", "   ", "4242424242424242<script>"])
def test_a_card_not_entered_is_asked_for(alice_client, token):
    response = alice_client.post(ADD, typed(card_token=token))
    refused(response, "Enter your card details.")
    assert not CardSaveAttempt.objects.exists()  # not a try: the processor was not asked


def test_the_name_on_the_card_is_asked_for(alice_client):
    response = alice_client.post(ADD, typed(holder_name=""))
    refused(response, "Enter the name on the card.")
    assert "Enter the name on the card." in " ".join(response.context["form"].errors["holder_name"])


def test_a_token_used_already_is_refused_with_the_processors_words(alice_client):
    data = typed()
    alice_client.post(ADD, data)
    PaymentMethod.objects.all().delete()

    refused(alice_client.post(ADD, data), TOKEN_USED)


@pytest.mark.parametrize("token", ["tok_the_processor_never_made_this", "card_1234567890"])
def test_a_token_the_processor_does_not_know_is_refused(alice_client, token):
    refused(alice_client.post(ADD, typed(card_token=token)), TOKEN_USED)


def test_an_expired_token_is_refused(alice_client, time_machine):
    data = typed()
    time_machine.move_to(timezone.now() + timedelta(hours=1))  # the page was left open
    refused(alice_client.post(ADD, data), TOKEN_USED)


def test_another_customers_token_is_refused(alice_client, alice):
    bob = CustomerAccountFactory().contact
    field_of_bob = processor_customer_of(contact=bob)
    token = token_create(
        number="4242424242424242",
        exp_month=12,
        exp_year=NEXT_YEAR,
        cvv="123",
        customer=field_of_bob,
    ).id
    refused(alice_client.post(ADD, typed(card_token=token)), TOKEN_USED)


def test_a_card_the_sandbox_refuses_when_saved_is_not_saved(alice_client):
    refused(alice_client.post(ADD, typed("4100000000000019")), "Your card was declined.")


def test_a_declined_card_shows_the_processors_reason_and_saves_nothing(alice_client, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    refused(alice_client.post(ADD, typed()), declining_gateway.REASON)


def test_an_empty_postcode_is_fine(alice_client):
    alice_client.post(ADD, typed(postcode=""))
    assert PaymentMethod.objects.get().billing_postcode == ""


def test_after_a_refusal_the_form_keeps_the_name_and_postcode_but_never_the_token(
    alice_client, settings
):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    data = typed(holder_name="Alice Q. Arnold", postcode="97209")

    html = page(alice_client.post(ADD, data))

    assert 'value="Alice Q. Arnold"' in html and 'value="97209"' in html
    assert data["card_token"] not in html  # a token is used once: the card is typed again
    assert form_fields(html) == TRELLIS_FIELDS  # and the processor's field is there again
    assert "/sandbox-processor/" in html


def test_a_form_missing_the_name_keeps_the_postcode(alice_client):
    data = typed(holder_name="", postcode="97209")
    html = page(alice_client.post(ADD, data))
    assert 'value="97209"' in html
    assert data["card_token"] not in html


def test_the_list_marks_default_expired_and_staff_saved(alice_client, alice, staff):
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.save()
    saved(alice.contact)
    saved(alice.contact, "378282246310005", saved_by=staff)
    expired_method(alice.contact, last4="0005")
    html = page(alice_client.get(LIST))
    assert "American Express •••• 0005" in html
    assert "Saved by Greenway Landscaping staff" in html
    assert html.count("Saved by Greenway Landscaping staff") == 1
    assert "Expired" in html and "Expires 01/2020" in html
    assert "cannot be charged" in html
    assert html.count('class="badge">Default<') == 1


def test_set_default(alice_client, alice):
    first = saved(alice.contact)
    second = saved(alice.contact, "5555555555554444")
    response = alice_client.post(f"/profile/payment-methods/{second.pk}/default/", follow=True)
    assert "Mastercard •••• 4444 is now your default payment method." in page(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default


def test_an_expired_card_cannot_be_made_default(alice_client, alice):
    saved(alice.contact)
    old = expired_method(alice.contact)
    response = alice_client.post(f"/profile/payment-methods/{old.pk}/default/", follow=True)
    assert "An expired card cannot be your default payment method." in page(response)
    old.refresh_from_db()
    assert not old.is_default


def test_removing_the_default_passes_it_on(alice_client, alice):
    older = saved(alice.contact, "5555555555554444")
    default = saved(alice.contact, make_default=True)
    response = alice_client.post(f"/profile/payment-methods/{default.pk}/remove/", follow=True)
    html = page(response)
    assert "Visa •••• 4242 has been removed." in html
    assert "Mastercard •••• 4444 is now your default payment method." in html
    default.refresh_from_db()
    older.refresh_from_db()
    assert default.removed_at is not None
    assert older.is_default
    alice_client.post(f"/profile/payment-methods/{older.pk}/remove/")
    assert EMPTY in page(alice_client.get(LIST))


def test_get_is_not_allowed_to_change_anything(alice_client, alice):
    method = saved(alice.contact)
    assert alice_client.get(f"/profile/payment-methods/{method.pk}/remove/").status_code == 405
    assert alice_client.get(f"/profile/payment-methods/{method.pk}/default/").status_code == 405


def test_another_contacts_method_answers_404(alice_client, charlie):
    theirs = saved(charlie)
    other = saved(CustomerAccountFactory().contact)
    for method in (theirs, other):
        for action in ("default", "remove"):
            response = alice_client.post(f"/profile/payment-methods/{method.pk}/{action}/")
            assert response.status_code == 404
    assert PaymentMethod.objects.filter(removed_at__isnull=True).count() == 2
    assert "4242" not in page(alice_client.get(LIST))


def test_a_removed_method_answers_404(alice_client, alice):
    method = saved(alice.contact)
    alice_client.post(f"/profile/payment-methods/{method.pk}/remove/")
    response = alice_client.post(f"/profile/payment-methods/{method.pk}/default/")
    assert response.status_code == 404


def test_no_card_number_or_security_code_is_kept_after_adding_cards(alice_client, caplog):
    caplog.set_level(logging.DEBUG)
    numbers = ["4242 4242 4242 4242", "3782-822463-10005"]
    for number, cvv in zip(numbers, ["739", "7391"], strict=True):
        alice_client.post(ADD, typed(card_token=card_tokenised(alice_client, number, cvv)))
    alice_client.post(ADD, typed(card_token=""))  # refused: no card entered
    assert PaymentMethod.objects.count() == 2
    text = stored_text()
    assert card_numbers_in(text) == set()
    assert card_numbers_in(caplog.text) == set()
    assert typed_numbers_in(text + caplog.text, numbers) == set()
    assert not security_code_in(text + caplog.text, "739")
    assert not security_code_in(text + caplog.text, "7391")


# --- against card testing: tries an hour and methods kept (trellis.billing.throttles)


def test_twenty_cards_in_a_row_are_throttled_after_five_declined_ones_included(
    alice_client, settings
):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    answers = [alice_client.post(ADD, typed()) for _ in range(20)]

    assert all(escape(declining_gateway.REASON) in page(r) for r in answers[:5])
    refused = answers[5:]
    assert all(r.status_code == 400 for r in refused)
    assert all("Too many cards were tried from your account" in page(r) for r in refused)
    assert CardSaveAttempt.objects.count() == 5


def test_a_throttled_form_keeps_the_name_and_postcode_but_never_the_token(alice_client, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 1
    alice_client.post(ADD, typed("5555555555554444"))
    data = typed(holder_name="Alice Q. Arnold", postcode="97209")

    response = alice_client.post(ADD, data)

    html = page(response)
    assert "For your security, try again in" in html
    assert 'value="Alice Q. Arnold"' in html and 'value="97209"' in html
    assert data["card_token"] not in html
    assert CardSaveAttempt.objects.count() == 1
    # Refused before the processor was asked: the token is still good.
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 2
    assert alice_client.post(ADD, data).status_code == 302


def test_tries_are_counted_per_address_across_accounts(client, alice_client, alice, settings):
    settings.CARD_SAVES_PER_IP_PER_HOUR = 2
    alice_client.post(ADD, typed())
    alice_client.post(ADD, typed("5555555555554444"))
    bob = CustomerAccountFactory()
    client.force_login(bob)

    same_address = client.post(ADD, typed())
    elsewhere = client.post(ADD, typed(), REMOTE_ADDR="198.51.100.4")

    assert "Too many cards were tried" in page(same_address)
    assert elsewhere.status_code == 302
    assert PaymentMethod.objects.filter(contact=bob.contact).count() == 1


def test_a_full_list_of_methods_is_told_before_the_processor_is_asked(
    alice_client, alice, settings
):
    settings.PAYMENT_METHODS_PER_CONTACT = 2
    saved(alice.contact)
    saved(alice.contact, "5555555555554444")
    data = typed("6011111111111117")

    response = alice_client.post(ADD, data)

    assert response.status_code == 400
    assert (
        "You have 2 saved payment methods, the most you can keep. "
        "Remove one you no longer use, then add this card."
    ) in page(response)
    settings.PAYMENT_METHODS_PER_CONTACT = 3
    assert alice_client.post(ADD, data).status_code == 302  # the token was never used
