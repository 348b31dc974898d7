import pytest
from django.core.exceptions import ValidationError

from trellis.accounts.names import validate_first_name, validate_last_name


@pytest.mark.parametrize(
    "name",
    [
        *["Al", "María", "José Luis", "Mitchell-Hayes", "O'Brien", "O\u2019Brien"],
        *["Zoë", "Łukasz", "Ngọc", "李明"],
    ],
)
def test_letters_of_any_alphabet_with_inner_spaces_hyphens_and_apostrophes_are_names(name):
    validate_first_name(name)
    validate_last_name(name)


@pytest.mark.parametrize(
    "name", ["A", "", "R2", "Ann3", "Jo!", "Jo_", "-Jo", "Jo-", "Jo  Ann", "J.R."]
)
def test_a_first_name_needs_two_letters_and_nothing_but_letters(name):
    with pytest.raises(ValidationError) as error:
        validate_first_name(name)
    assert error.value.messages == [
        "First name must have at least 2 characters. "
        "Numbers and special characters are not allowed."
    ]


def test_a_last_name_may_be_one_letter():
    validate_last_name("K")


@pytest.mark.parametrize("name", ["", "7", "K9", "Smith!", "@"])
def test_a_last_name_needs_a_letter_and_nothing_but_letters(name):
    with pytest.raises(ValidationError) as error:
        validate_last_name(name)
    assert error.value.messages == [
        "Last name must have at least 1 character. Numbers and special characters are not allowed."
    ]
