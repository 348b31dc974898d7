from trellis.testing.card_data import card_numbers_in, security_code_in, typed_numbers_in


def test_the_scan_finds_card_numbers_as_people_type_them():
    assert card_numbers_in("paid with 4242424242424242 today") == {"4242424242424242"}
    assert card_numbers_in("paid with 4242 4242 4242 4242 today") == {"4242424242424242"}
    assert card_numbers_in('{"n": "3782-822463-10005"}') == {"378282246310005"}
    assert card_numbers_in("6011111111111117 and 5555555555554444") == {
        "6011111111111117",
        "5555555555554444",
    }


def test_the_scan_ignores_digits_that_cannot_be_a_card():
    assert card_numbers_in("order 12345, last4 4242, 2026-11-25T22:04:37.123456Z") == set()
    assert card_numbers_in("4242424242424241") == set()  # fails the Luhn check
    # Luhn-valid, but no brand we accept starts so (a random message id once did).
    assert card_numbers_in("<1764111.29.6888672322505588738@example.com>") == set()
    assert card_numbers_in("42424242424242424") == set()  # 17 digits: no Visa is


def test_typed_numbers_are_found_anywhere():
    text = "ref 0042424242424242424299 and 5555-5555-5555-4444"
    assert typed_numbers_in(text, ["4242 4242 4242 4242", "5555555555554444"]) == {
        "4242 4242 4242 4242",
        "5555555555554444",
    }
    assert typed_numbers_in("last4 4242", ["4242424242424242"]) == set()


def test_a_security_code_is_found_as_a_typed_value():
    assert security_code_in('{"cvv": "739"}', "739")
    assert security_code_in("number=4242&cvv=739&exp_month=12", "739")
    assert security_code_in("<QueryDict: {'csc': ['7391']}>", "7391")
    assert security_code_in("CVV: 739 was typed", "739")


def test_a_security_code_is_not_found_in_ids_times_and_longer_numbers():
    text = '"user_id": 739, seq=739 at 20:07:39.739 for ch_a739b, cvv=7391'
    assert not security_code_in(text, "739")
