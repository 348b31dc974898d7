from decimal import Decimal

import pytest

from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import CardDetails, GatewayUnavailable, PaymentDeclined
from trellis.billing.models import SandboxOperation

pytestmark = pytest.mark.django_db


def card(number, cvv="123"):
    return CardDetails(
        number=number, exp_month=12, exp_year=2030, cvv=cvv, holder_name="Ann Lee", postcode="62704"
    )


def saved(number):
    return get_gateway().tokenize(card=card(number), idempotency_key=f"tok-{number}")


def test_a_saved_card_keeps_only_the_token_brand_last_four_and_expiry():
    result = saved("5555555555554444")
    assert (result.brand, result.last4, result.exp_month, result.exp_year) == (
        "mastercard",
        "4444",
        12,
        2030,
    )
    assert "5555555555554444" not in result.token
    assert "5555555555554444" not in str(SandboxOperation.objects.values_list("response"))


def test_the_card_number_and_cvv_never_show_in_a_repr():
    assert "4242424242424242" not in repr(card("4242424242424242", cvv="987"))
    assert "987" not in repr(card("4242424242424242", cvv="987"))


def test_a_successful_card_is_charged_once_per_idempotency_key():
    token = saved("4242424242424242").token
    first = get_gateway().charge(
        token=token, amount=Decimal("50.00"), currency="USD", idempotency_key="pay-1"
    )
    again = get_gateway().charge(
        token=token, amount=Decimal("50.00"), currency="USD", idempotency_key="pay-1"
    )
    assert first == again
    assert SandboxOperation.objects.filter(kind="charge").count() == 1


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvv"),
        ("4000000000000119", "processing_error"),
    ],
)
def test_the_test_cards_decline_like_a_processors_test_mode(number, code):
    token = saved(number).token
    with pytest.raises(PaymentDeclined) as declined:
        get_gateway().charge(token=token, amount=Decimal(10), currency="USD", idempotency_key="k")
    assert declined.value.code == code
    assert not SandboxOperation.objects.filter(kind="charge").exists()


def test_a_timed_out_charge_is_found_again_by_its_key_and_not_repeated():
    token = saved("4000000000000259").token
    with pytest.raises(GatewayUnavailable):
        get_gateway().charge(token=token, amount=Decimal(10), currency="USD", idempotency_key="t")
    charge = get_gateway().charge(
        token=token, amount=Decimal(10), currency="USD", idempotency_key="t"
    )
    assert charge.amount == Decimal(10)
    assert SandboxOperation.objects.filter(kind="charge").count() == 1
