from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from trellis.sandbox_processor import models
from trellis.sandbox_processor.tokens import (
    CardRejected,
    TokenUnusable,
    token_consume,
    token_create,
    token_hash,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


def good_card(**changes):
    card = {"number": "4242 4242 4242 4242", "exp_month": "7", "exp_year": "2029", "cvv": "123"}
    return {**card, **changes}


def test_a_token_reports_the_brand_last_four_and_expiry_and_keeps_no_number():
    token = token_create(**good_card(number="5555555555554444", cvv="987"), today=TODAY)
    assert token.id.startswith("tok_")
    assert (token.brand, token.last4, token.exp_month, token.exp_year) == (
        "mastercard",
        "4444",
        7,
        2029,
    )
    stored = models.Token.objects.get()
    assert stored.id_hash == token_hash(token.id)
    row = str(models.Token.objects.values().get())
    assert "5555555555554444" not in row
    assert token.id not in row
    assert "987" not in row


def test_the_test_number_chooses_the_behaviour():
    token_create(**good_card(number="4000002760003184"), today=TODAY)
    assert models.Token.objects.get().behaviour == "requires_action"


def test_each_wrong_field_gets_its_message_and_nothing_is_stored():
    with pytest.raises(CardRejected) as rejected:
        token_create(number="4242424242424241", exp_month="13", exp_year="29", cvv="1", today=TODAY)
    assert rejected.value.errors == {
        "number": "Your card number is not valid. Check it and try again.",
        "exp_month": "Enter the expiration month as a number from 1 to 12.",
        "exp_year": "Enter the expiration year as four digits, e.g. 2030.",
        "cvv": "The security code (CVV) is the 3 digits on the back of your card.",
    }
    assert "4242" not in str(rejected.value)
    assert not models.Token.objects.exists()


def test_messages_are_in_the_active_language():
    with translation.override("es"), pytest.raises(CardRejected) as rejected:
        token_create(**good_card(number=""), today=TODAY)
    assert rejected.value.errors["number"] == "Introduzca el número de su tarjeta."


def test_a_token_is_used_once():
    token = token_create(**good_card(), today=TODAY)
    assert token_consume(token_id=token.id, customer="cus_a").last4 == "4242"
    with pytest.raises(TokenUnusable):
        token_consume(token_id=token.id, customer="cus_a")


def test_a_token_expires_after_15_minutes():
    token = token_create(**good_card(), today=TODAY)
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    with time_machine.travel(later), pytest.raises(TokenUnusable):
        token_consume(token_id=token.id, customer="cus_a")
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        token_consume(token_id=token.id, customer="cus_a")


def test_a_token_made_for_one_customer_is_not_anothers():
    token = token_create(**good_card(), today=TODAY, customer="cus_a")
    with pytest.raises(TokenUnusable):
        token_consume(token_id=token.id, customer="cus_b")
    assert token_consume(token_id=token.id, customer="cus_a")


def test_an_unknown_token_is_unusable():
    with pytest.raises(TokenUnusable):
        token_consume(token_id="tok_made_up", customer="cus_a")
