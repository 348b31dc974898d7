"""Limits on saving cards, against card testing (trellis.billing.throttles).

"The processor is not asked" is shown by the token: a token the processor was
sent is used up, so one refused by a limit still saves the card afterwards.
"""

import json
import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from trellis.billing.gateways.base import PaymentDeclined
from trellis.billing.models import CardSaveAttempt, PaymentMethod
from trellis.billing.payment_methods import payment_method_add, payment_method_remove
from trellis.billing.tests import declining_gateway
from trellis.request_context import client_ip_var
from trellis.sandbox_processor.testing import sandbox_token
from trellis.testing.factories import ContactFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

THROTTLED = (
    "Too many cards were tried from your account or your network in the last hour. "
    "For your security, try again in {minutes} minutes."
)


def add(contact, number="4242424242424242", *, token=None, saved_by=None, one_time=False):
    return payment_method_add(
        contact=contact,
        token=token or sandbox_token(number),
        holder_name="Alice Arnold",
        saved_by=saved_by,
        make_default=False,
        one_time=one_time,
    )


@pytest.fixture
def from_address():
    """Calls made as if from a request by `address` (what the middleware sets)."""
    tokens = []

    def set_address(address):
        tokens.append(client_ip_var.set(address))

    yield set_address
    for token in reversed(tokens):
        client_ip_var.reset(token)


def security_events(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "trellis.security"]


def test_past_the_hourly_tries_per_account_the_processor_is_not_asked(alice, settings, caplog):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 3
    for _ in range(3):
        add(alice.contact)
    token = sandbox_token("4242424242424242")

    with (
        caplog.at_level(logging.INFO, logger="trellis.security"),
        pytest.raises(ValidationError) as refused,
    ):
        add(alice.contact, token=token)

    assert refused.value.messages == [THROTTLED.format(minutes=60)]
    assert PaymentMethod.objects.count() == 3
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 4
    assert add(alice.contact, token=token).last4 == "4242"  # the processor never had it
    [event] = security_events(caplog)
    assert event["event"] == "payment_method.throttled"
    assert (event["user_id"], event["limit"], event["outcome"]) == (
        alice.pk,
        "per_account",
        "refused",
    )
    assert "4242" not in caplog.text


def test_declined_tries_count_as_much_as_saved_ones(alice, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 3
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    for number in ("4000000000000002", "4000000000009995", "4000000000000069"):
        with pytest.raises(PaymentDeclined):
            add(alice.contact, number)
    settings.PAYMENT_GATEWAY = "sandbox"

    with pytest.raises(ValidationError) as refused:
        add(alice.contact)

    assert refused.value.error_list[0].code == "throttled"
    assert not PaymentMethod.objects.exists()
    assert list(CardSaveAttempt.objects.values_list("result", flat=True)) == ["declined"] * 3


def test_a_declined_try_is_a_security_event_without_the_card(alice, settings, caplog):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH

    with (
        caplog.at_level(logging.INFO, logger="trellis.security"),
        pytest.raises(PaymentDeclined),
    ):
        add(alice.contact, "4000000000000002")

    [event] = security_events(caplog)
    assert (event["event"], event["outcome"], event["user_id"]) == (
        "payment_method.declined",
        "declined",
        alice.pk,
    )
    assert "4000000000000002" not in caplog.text


def test_tries_older_than_an_hour_do_not_count_and_the_wait_is_until_one_leaves(alice, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 2
    add(alice.contact)
    add(alice.contact)
    now = timezone.now()
    first, second = CardSaveAttempt.objects.order_by("id")
    CardSaveAttempt.objects.filter(pk=first.pk).update(created_at=now - timedelta(minutes=61))
    CardSaveAttempt.objects.filter(pk=second.pk).update(created_at=now - timedelta(minutes=45))

    add(alice.contact)  # the first has left the hour: room for one
    with pytest.raises(ValidationError) as refused:
        add(alice.contact)

    assert refused.value.messages == [THROTTLED.format(minutes=15)]


def test_tries_from_one_address_are_counted_across_accounts(alice, settings, from_address):
    settings.CARD_SAVES_PER_IP_PER_HOUR = 3
    others = [CustomerAccountFactory().contact for _ in range(2)]
    from_address("203.0.113.9")
    add(alice.contact)
    add(others[0])
    add(others[1])

    with pytest.raises(ValidationError) as refused:
        add(alice.contact)
    from_address("198.51.100.4")
    saved = add(alice.contact)

    assert refused.value.error_list[0].code == "throttled"
    assert saved.contact == alice.contact
    assert CardSaveAttempt.objects.filter(ip_address="203.0.113.9").count() == 3


def test_staff_saving_cards_for_a_contact_are_not_throttled(alice, staff, settings):
    settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR = 1

    for _ in range(3):
        add(alice.contact, saved_by=staff)

    assert PaymentMethod.objects.filter(contact=alice.contact).count() == 3
    assert not CardSaveAttempt.objects.exists()


# --- saved methods per contact -------------------------------------------------


def test_a_contact_keeps_at_most_the_allowed_number_of_methods(alice, settings):
    settings.PAYMENT_METHODS_PER_CONTACT = 2
    add(alice.contact)
    add(alice.contact)
    token = sandbox_token("5555555555554444")

    with pytest.raises(ValidationError) as refused:
        add(alice.contact, token=token)

    assert refused.value.messages == [
        "You have 2 saved payment methods, the most you can keep. "
        "Remove one you no longer use, then add this card."
    ]
    assert CardSaveAttempt.objects.count() == 2  # refused before it was a try
    settings.PAYMENT_METHODS_PER_CONTACT = 3
    assert add(alice.contact, token=token).last4 == "4444"  # the processor never had it


def test_a_removed_method_makes_room_and_other_contacts_have_their_own(alice, settings):
    settings.PAYMENT_METHODS_PER_CONTACT = 1
    first = add(alice.contact)
    add(ContactFactory())

    payment_method_remove(method=first)

    assert add(alice.contact).contact == alice.contact


def test_staff_are_held_to_the_same_number_of_methods(alice, staff, settings):
    settings.PAYMENT_METHODS_PER_CONTACT = 1
    add(alice.contact)

    with pytest.raises(ValidationError) as refused:
        add(alice.contact, saved_by=staff)

    assert refused.value.error_list[0].code == "methods_full"


def test_a_card_paid_with_once_is_not_held_to_the_number_of_methods(alice, settings):
    settings.PAYMENT_METHODS_PER_CONTACT = 1
    add(alice.contact)

    method = add(alice.contact, "5555555555554444", one_time=True)

    assert method.last4 == "4444"
