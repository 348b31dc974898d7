"""The bank field's rules: ABA routing numbers, account numbers, checking or savings."""

import pytest
from django.core.exceptions import ValidationError

from trellis.sandbox_processor.banks import (
    account_number_check,
    account_type_check,
    bank_account_check,
    bank_name,
    routing_checksum_valid,
    routing_number_check,
)

ROUTING_REQUIRED = "Enter the 9-digit routing number from the bottom of your cheque."
ROUTING_INVALID = "This routing number is not valid. Check it against a cheque or your bank."
ACCOUNT_INVALID = "Enter an account number of 4 to 17 digits."


# Real routing numbers (the test bank's, and well-known banks' published ones).
@pytest.mark.parametrize("routing", ["110000000", "021000021", "011000015", "122105155"])
def test_a_real_routing_number_passes_the_checksum(routing):
    assert routing_checksum_valid(routing)
    assert routing_number_check(routing) == routing


@pytest.mark.parametrize("routing", ["110000001", "021000022", "123456789"])
def test_a_routing_number_with_a_wrong_check_digit_is_refused(routing):
    assert not routing_checksum_valid(routing)
    with pytest.raises(ValidationError) as refused:
        routing_number_check(routing)
    assert refused.value.messages == [ROUTING_INVALID]


@pytest.mark.parametrize("typed", ["", "11000000", "1100000000", "11000000O", "११००००००००"])
def test_a_routing_number_not_of_nine_digits_asks_for_nine(typed):
    with pytest.raises(ValidationError) as refused:
        routing_number_check(typed)
    assert refused.value.messages == [ROUTING_REQUIRED]


def test_spaces_and_dashes_are_ignored():
    assert routing_number_check(" 1100-0000 0 ") == "110000000"
    assert account_number_check("0001-2345 6789") == "000123456789"


@pytest.mark.parametrize("digits", ["1234", "12345678901234567"])
def test_an_account_number_of_4_to_17_digits_passes(digits):
    assert account_number_check(digits) == digits


FULLWIDTH_1234 = "\uff11\uff12\uff13\uff14"


@pytest.mark.parametrize("typed", ["", "123", "123456789012345678", "12a4", FULLWIDTH_1234])
def test_any_other_account_number_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        account_number_check(typed)
    assert refused.value.messages == [ACCOUNT_INVALID]


def test_the_account_type_is_checking_or_savings():
    assert account_type_check("savings") == "savings"
    for typed in ("", "Checking", "business"):
        with pytest.raises(ValidationError) as refused:
            account_type_check(typed)
        assert refused.value.messages == ["Choose checking or savings."]


def test_the_test_routing_number_names_the_sandbox_bank_and_others_are_a_bank():
    assert bank_name("110000000") == "Sandbox Test Bank"
    assert bank_name("021000021") == "Bank"


def test_every_field_is_checked_at_once_and_no_message_repeats_what_was_typed():
    with pytest.raises(ValidationError) as refused:
        bank_account_check(
            routing_number="110000001",
            account_number="98",
            account_type="cash",
            account_number_confirm="98",
        )
    assert refused.value.message_dict == {
        "routing_number": [ROUTING_INVALID],
        "account_number": [ACCOUNT_INVALID],
        "account_type": ["Choose checking or savings."],
    }
    assert "110000001" not in str(refused.value)


def test_the_confirmation_must_match_when_given():
    with pytest.raises(ValidationError) as refused:
        bank_account_check(
            routing_number="110000000",
            account_number="000123456789",
            account_type="checking",
            account_number_confirm="000123456798",
        )
    assert list(refused.value.message_dict) == ["account_number_confirm"]
    checked = bank_account_check(
        routing_number="110000000",
        account_number="000123456789",
        account_type="checking",
        account_number_confirm="0001 2345 6789",
    )
    assert (checked.bank_name, checked.last4, checked.account_type) == (
        "Sandbox Test Bank",
        "6789",
        "checking",
    )
    assert "000123456789" not in repr(checked)
