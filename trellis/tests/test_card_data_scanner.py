from trellis.testing.card_data import card_numbers_in, luhn_valid


def test_the_scanner_finds_test_card_numbers_and_ignores_other_digits():
    text = "paid with 4242424242424242 on 20261125093000 ref 1234567890123"
    assert card_numbers_in(text) == ["4242424242424242"]
    assert luhn_valid("378282246310005")
    assert not luhn_valid("4242424242424241")
