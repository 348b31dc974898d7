"""Saving, defaulting and removing payment methods (trellis.billing.payment_methods).

A card reaches Trellis as the token the processor's field gave the browser
(trellis.sandbox_processor.testing.sandbox_token stands for that field); what
is kept of it is what the processor reports. The card rules themselves (Luhn,
brand, expiry, CVV) are the processor's, tested in trellis/sandbox_processor.
"""

import logging
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.gateways.base import PaymentDeclined
from trellis.billing.models import PaymentMethod, ProcessorCustomer
from trellis.billing.payment_methods import (
    PaymentMethodRefused,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_methods_of,
)
from trellis.billing.tests import declining_gateway
from trellis.sandbox_processor.testing import sandbox_token
from trellis.testing.card_data import card_numbers_in, typed_numbers_in

pytestmark = pytest.mark.django_db

NEXT_YEAR = date.today().year + 1
REFUSED_WHEN_SAVED = "4100000000000019"
TOKEN_USED = "Your card details have expired. Enter them again."


def add(contact, number="4242424242424242", *, make_default=False, saved_by=None, **card):
    """The card `number` typed into the processor's field, then saved to the contact."""
    token = sandbox_token(
        number, exp_month=card.pop("exp_month", 12), exp_year=card.pop("exp_year", NEXT_YEAR)
    )
    return add_token(contact, token, make_default=make_default, saved_by=saved_by, **card)


def add_token(contact, token, *, make_default=False, saved_by=None, one_time=False, **card):
    return payment_method_add(
        contact=contact,
        token=token,
        holder_name=card.get("holder_name", "Alice Arnold"),
        postcode=card.get("postcode", "97201"),
        saved_by=saved_by,
        make_default=make_default,
        one_time=one_time,
    )


def expired_method(contact, *, last4="0001", **fields):
    return PaymentMethod.objects.create(
        contact=contact,
        processor="sandbox",
        token=f"card_old{last4}",
        brand="visa",
        last4=last4,
        exp_month=1,
        exp_year=2020,
        holder_name="Alice Arnold",
        **fields,
    )


def stored_text():
    """Trellis's rows about cards, and every row of the sandbox processor's own
    ledger (it shares the database here), as JSON text."""
    rows = [
        *PaymentMethod.objects.all(),
        *ProcessorCustomer.objects.all(),
        *AuditEntry.objects.all(),
    ]
    for model in apps.get_app_config("sandbox_processor").get_models():
        rows.extend(model.objects.all())
    return serializers.serialize("json", rows)


def test_first_card_becomes_default_and_only_what_the_processor_reports_is_kept(alice):
    contact = alice.contact
    token = sandbox_token("4242424242424242", exp_month=7, exp_year=NEXT_YEAR + 2)

    method = add_token(contact, token, holder_name="  Alice Arnold ", postcode=" 97201 ")

    assert method.is_default
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == (
        "visa",
        "4242",
        7,
        NEXT_YEAR + 2,
    )
    assert (method.holder_name, method.billing_postcode) == ("Alice Arnold", "97201")
    assert method.processor == "sandbox"
    assert method.token and method.token != token  # the card's reference, not the one-time token
    assert ProcessorCustomer.objects.filter(contact=contact, processor="sandbox").count() == 1
    assert method.saved_by_staff is None
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


def test_each_brand_is_as_the_processor_reports_it(alice):
    cards = {
        "5555555555554444": ("mastercard", "4444"),
        "378282246310005": ("amex", "0005"),
        "6011111111111117": ("discover", "1117"),
    }
    for number, (brand, last4) in cards.items():
        method = add(alice.contact, number)
        assert (method.brand, method.last4) == (brand, last4)


def test_later_cards_are_default_only_when_asked(alice):
    contact = alice.contact
    first = add(contact)
    second = add(contact, "5555555555554444")
    assert not second.is_default
    third = add(contact, "378282246310005", make_default=True)
    first.refresh_from_db()
    assert third.is_default and not first.is_default
    assert list(payment_methods_of(contact=contact)) == [third, second, first]
    assert ProcessorCustomer.objects.filter(contact=contact).count() == 1  # one customer


def test_a_token_saves_one_card_only(alice):
    token = sandbox_token("4242424242424242")
    add_token(alice.contact, token)

    with pytest.raises(PaymentDeclined) as declined:
        add_token(alice.contact, token)

    assert declined.value.message == TOKEN_USED
    assert PaymentMethod.objects.count() == 1


@pytest.mark.parametrize("token", ["tok_not_one_the_processor_made", "card_1234"])
def test_a_token_the_processor_never_made_saves_nothing(alice, token):
    with pytest.raises(PaymentDeclined) as declined:
        add_token(alice.contact, token)
    assert declined.value.message == TOKEN_USED
    assert not PaymentMethod.objects.exists()


def test_an_expired_token_saves_nothing(alice, time_machine):
    token = sandbox_token("4242424242424242")
    time_machine.move_to(timezone.now() + timedelta(days=1))  # the page left open a day

    with pytest.raises(PaymentDeclined) as declined:
        add_token(alice.contact, token)

    assert declined.value.message == TOKEN_USED
    assert not PaymentMethod.objects.exists()


def test_a_card_the_processor_refuses_saves_nothing(alice, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    with pytest.raises(PaymentDeclined) as declined:
        add(alice.contact)
    assert declined.value.message == declining_gateway.REASON
    assert not PaymentMethod.objects.exists()


def test_the_sandboxs_card_refused_when_saved_saves_nothing(alice):
    with pytest.raises(PaymentDeclined) as declined:
        add(alice.contact, REFUSED_WHEN_SAVED)
    assert declined.value.message == "Your card was declined."
    assert not PaymentMethod.objects.exists()


def test_the_sandbox_saves_its_declining_card_and_declines_it_when_charged(alice):
    # As the big processors' test modes do with 4000 0000 0000 0002.
    method = add(alice.contact, "4000000000000002")
    assert method.last4 == "0002"


def test_set_default_moves_the_default(alice):
    first = add(alice.contact)
    second = add(alice.contact, "5555555555554444")
    payment_method_set_default(method=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default


def test_an_expired_card_cannot_become_default(alice):
    add(alice.contact)
    old = expired_method(alice.contact)
    assert old.expired_on(date.today())
    with pytest.raises(PaymentMethodRefused):
        payment_method_set_default(method=old)


def test_removing_the_default_makes_the_newest_unexpired_one_default(alice):
    contact = alice.contact
    older = add(contact)
    newer = add(contact, "5555555555554444")
    default = add(contact, "6011111111111117", make_default=True)
    expired_method(contact)  # the newest of all, but expired
    assert payment_method_remove(method=default) == newer
    default.refresh_from_db()
    newer.refresh_from_db()
    assert default.removed_at is not None and not default.is_default
    assert newer.is_default
    assert default not in payment_methods_of(contact=contact)
    assert payment_method_remove(method=older) is None  # not the default
    assert payment_method_remove(method=newer) is None  # only an expired card is left
    assert not payment_methods_of(contact=contact).filter(is_default=True).exists()


def test_after_removing_every_card_the_next_one_is_default(alice):
    payment_method_remove(method=add(alice.contact))
    assert add(alice.contact, "5555555555554444").is_default


def test_staff_saving_is_recorded(alice, staff):
    method = add(alice.contact, saved_by=staff)
    assert method.saved_by_staff == staff
    entry = AuditEntry.objects.get(action="payment_method.saved_by_staff")
    assert entry.actor == staff
    assert entry.target_id == str(method.pk)
    assert entry.data["last4"] == "4242"


def test_no_card_number_is_stored_or_logged_by_trellis_or_the_sandbox(alice, staff, caplog):
    caplog.set_level(logging.DEBUG)
    numbers = ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"]
    for number in numbers:
        add(alice.contact, number, saved_by=staff)
    assert PaymentMethod.objects.count() == len(numbers)
    text = stored_text()
    assert "4242" in text  # the last four digits are there, as they may be
    assert card_numbers_in(text) == set()
    assert card_numbers_in(caplog.text) == set()
    assert typed_numbers_in(text + caplog.text, numbers) == set()
