"""Saving, defaulting and removing payment methods (trellis.billing.payment_methods)."""

import logging
from datetime import date

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError

from trellis.audit.models import AuditEntry
from trellis.billing.gateways.base import CardDetails, PaymentDeclined
from trellis.billing.models import PaymentMethod, SandboxOperation
from trellis.billing.payment_methods import (
    PaymentMethodRefused,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_methods_of,
)
from trellis.billing.tests import declining_gateway
from trellis.testing.card_data import card_numbers_in, typed_numbers_in

pytestmark = pytest.mark.django_db

NEXT_YEAR = date.today().year + 1


def card(number="4242424242424242", cvv="123", **overrides):
    fields = {
        "number": number,
        "exp_month": 12,
        "exp_year": NEXT_YEAR,
        "cvv": cvv,
        "holder_name": "Alice Arnold",
        "postcode": "97201",
    }
    return CardDetails(**{**fields, **overrides})


def add(contact, number="4242424242424242", *, make_default=False, saved_by=None, **kw):
    return payment_method_add(
        contact=contact, card=card(number, **kw), saved_by=saved_by, make_default=make_default
    )


def expired_method(contact, *, last4="0001", **fields):
    return PaymentMethod.objects.create(
        contact=contact,
        processor="sandbox",
        token=f"sbx_ok_old{last4}",
        brand="visa",
        last4=last4,
        exp_month=1,
        exp_year=2020,
        holder_name="Alice Arnold",
        **fields,
    )


def stored_text():
    rows = [
        *PaymentMethod.objects.all(),
        *AuditEntry.objects.all(),
        *SandboxOperation.objects.all(),
    ]
    return serializers.serialize("json", rows)


def test_first_card_becomes_default_and_only_what_may_be_kept_is_kept(alice):
    contact = alice.contact
    method = add(contact)
    assert method.is_default
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == (
        "visa",
        "4242",
        12,
        NEXT_YEAR,
    )
    assert (method.holder_name, method.billing_postcode) == ("Alice Arnold", "97201")
    assert method.processor == "sandbox" and method.token.startswith("sbx_")
    assert method.saved_by_staff is None
    assert not AuditEntry.objects.filter(action="payment_method.saved_by_staff").exists()


def test_later_cards_are_default_only_when_asked(alice):
    contact = alice.contact
    first = add(contact)
    second = add(contact, "5555555555554444")
    assert not second.is_default
    third = add(contact, "378282246310005", cvv="1234", make_default=True)
    first.refresh_from_db()
    assert third.is_default and not first.is_default
    assert list(payment_methods_of(contact=contact)) == [third, second, first]


def test_an_invalid_card_never_reaches_the_processor(alice):
    with pytest.raises(ValidationError):
        add(alice.contact, "4242424242424241")
    with pytest.raises(ValidationError):
        add(alice.contact, "378282246310005", cvv="123")
    assert not SandboxOperation.objects.exists()
    assert not PaymentMethod.objects.exists()


def test_a_card_the_processor_refuses_saves_nothing(alice, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    with pytest.raises(PaymentDeclined) as declined:
        add(alice.contact, "4000000000000002")
    assert declined.value.message == declining_gateway.REASON
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


def test_no_card_number_or_cvv_is_stored_or_logged(alice, staff, caplog):
    caplog.set_level(logging.DEBUG)
    numbers = ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"]
    for number in numbers:
        add(alice.contact, number, cvv="9876" if number.startswith("3") else "987", saved_by=staff)
    assert PaymentMethod.objects.count() == len(numbers)
    text = stored_text()
    assert "4242" in text  # the last four digits are there, as they may be
    assert card_numbers_in(text) == set()
    assert card_numbers_in(caplog.text) == set()
    assert typed_numbers_in(text + caplog.text, numbers) == set()
    assert '"987"' not in text and "9876" not in text
