"""The card rules the sandbox's field applies (moved from trellis.billing.cards)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from trellis.sandbox_processor import cards
from trellis.sandbox_processor.cards import Brand

TODAY = date(2026, 6, 15)


def with_check_digit(prefix: str, length: int) -> str:
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    body = prefix + "0" * (length - len(prefix) - 1)
    for check in "0123456789":
        if cards.luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", Brand.VISA),
        ("4222222222222", Brand.VISA),
        (with_check_digit("4", 19), Brand.VISA),
        ("5555555555554444", Brand.MASTERCARD),
        ("5105105105105100", Brand.MASTERCARD),
        ("2223003122003222", Brand.MASTERCARD),
        (with_check_digit("2720", 16), Brand.MASTERCARD),
        ("378282246310005", Brand.AMEX),
        ("371449635398431", Brand.AMEX),
        ("6011111111111117", Brand.DISCOVER),
        (with_check_digit("644", 16), Brand.DISCOVER),
        (with_check_digit("649", 17), Brand.DISCOVER),
        (with_check_digit("65", 19), Brand.DISCOVER),
    ],
)
def test_valid_numbers_of_each_brand_pass(number, brand):
    assert cards.card_number_check(number) == (number, brand)


def test_the_brands_are_the_ones_trellis_stores():
    assert [brand.value for brand in Brand] == ["visa", "mastercard", "amex", "discover"]


@pytest.mark.parametrize(
    "typed", ["4242 4242 4242 4242", "4242-4242-4242-4242", " 4242 4242-4242 4242 "]
)
def test_spaces_and_dashes_are_allowed(typed):
    assert cards.card_number_check(typed) == ("4242424242424242", Brand.VISA)


def message_of(check, *args, **kwargs):
    with pytest.raises(ValidationError) as raised:
        check(*args, **kwargs)
    return raised.value.messages[0]


def test_luhn_failure_is_refused():
    assert message_of(cards.card_number_check, "4242424242424241") == cards.NUMBER_INVALID


@pytest.mark.parametrize(
    "number",
    [
        with_check_digit("4", 15),  # Visa is 13, 16 or 19
        with_check_digit("51", 15),  # Mastercard is 16
        with_check_digit("2221", 19),
        with_check_digit("34", 16),  # Amex is 15
        with_check_digit("6011", 15),  # Discover is 16 to 19
    ],
)
def test_wrong_length_for_the_brand_is_refused(number):
    assert cards.luhn_valid(number)
    assert message_of(cards.card_number_check, number) == cards.NUMBER_LENGTH


@pytest.mark.parametrize(
    "prefix", ["1", "30", "35", "36", "50", "56", "2220", "2721", "6010", "643", "7", "9"]
)
def test_unknown_brands_are_refused(prefix):
    number = with_check_digit(prefix, 16)
    assert message_of(cards.card_number_check, number) == cards.BRAND_UNKNOWN


@pytest.mark.parametrize("typed", ["", "   ", "4242x4242424242424", "\uff14" * 16])
def test_empty_or_not_digits_is_refused(typed):
    assert message_of(cards.card_number_check, typed) in (
        cards.NUMBER_REQUIRED,
        cards.NUMBER_INVALID,
    )


@pytest.mark.parametrize("month", ["0", "13", "-1", "ab", ""])
def test_month_must_be_1_to_12(month):
    assert message_of(cards.expiry_month_check, month) == cards.MONTH_INVALID


@pytest.mark.parametrize("month", ["1", "01", "12"])
def test_months_1_to_12_pass(month):
    assert cards.expiry_month_check(month) == int(month)


@pytest.mark.parametrize("year", ["26", "20300", "abcd", ""])
def test_year_is_four_digits(year):
    assert message_of(cards.expiry_year_check, year) == cards.YEAR_INVALID


@pytest.mark.parametrize(("month", "year"), [(12, 2025), (5, 2026), (1, 2020)])
def test_past_expiry_is_refused(month, year):
    assert message_of(cards.expiry_check, month=month, year=year, today=TODAY) == cards.EXPIRED


@pytest.mark.parametrize(("month", "year"), [(6, 2026), (7, 2026), (1, 2027)])
def test_this_month_and_later_pass(month, year):
    cards.expiry_check(month=month, year=year, today=TODAY)


def test_cvv_is_three_digits_and_four_for_amex():
    assert cards.cvv_check("123", brand=Brand.VISA) == "123"
    assert cards.cvv_check("1234", brand=Brand.AMEX) == "1234"
    assert message_of(cards.cvv_check, "1234", brand=Brand.VISA) == cards.CVV_THREE
    assert message_of(cards.cvv_check, "12", brand=Brand.MASTERCARD) == cards.CVV_THREE
    assert message_of(cards.cvv_check, "123", brand=Brand.AMEX) == cards.CVV_FOUR
    assert message_of(cards.cvv_check, "12a", brand=Brand.DISCOVER) == cards.CVV_THREE
    assert message_of(cards.cvv_check, "", brand=Brand.VISA) == cards.CVV_REQUIRED


def test_card_check_reports_every_field_and_never_the_number():
    with pytest.raises(ValidationError) as raised:
        cards.card_check(
            number="4242424242424241", exp_month="13", exp_year="30", cvv="12", today=TODAY
        )
    assert raised.value.message_dict == {
        "number": [cards.NUMBER_INVALID],
        "exp_month": [cards.MONTH_INVALID],
        "exp_year": [cards.YEAR_INVALID],
        "cvv": [cards.CVV_THREE],
    }
    assert "4242" not in str(raised.value)


def test_an_expired_card_is_reported_on_the_month():
    with pytest.raises(ValidationError) as raised:
        cards.card_check(
            number="4242424242424242", exp_month="5", exp_year="2026", cvv="123", today=TODAY
        )
    assert raised.value.message_dict == {"exp_month": [cards.EXPIRED]}


def test_card_check_gives_the_clean_card_and_its_repr_hides_it():
    checked = cards.card_check(
        number="3782 822463 10005", exp_month="06", exp_year="2026", cvv="1234", today=TODAY
    )
    assert (checked.number, checked.brand, checked.exp_month, checked.exp_year) == (
        "378282246310005",
        Brand.AMEX,
        6,
        2026,
    )
    assert "378282246310005" not in repr(checked)
    assert "1234" not in repr(checked)
