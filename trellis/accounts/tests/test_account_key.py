import pytest

from trellis.accounts.attempts import account_key

KEVIN = "kevin.walsh@example.com"


@pytest.mark.parametrize(
    "spelling",
    [
        "kevin.walsh@example.com",
        "  KEVIN.Walsh@Example.COM ",
        "kev\N{LATIN SMALL LETTER DOTLESS I}n.walsh@example.com",
        "KEV\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}N.walsh@example.com",
        "\N{KELVIN SIGN}evin.walsh@example.com",
        "k\N{CYRILLIC SMALL LETTER IE}vin.walsh@example.com",
        "kevin.w\N{CYRILLIC SMALL LETTER A}lsh@example.com",
        "kevin.walsh@exam\N{CYRILLIC SMALL LETTER ER}le.com",
        "kevin.walsh@\N{GREEK SMALL LETTER EPSILON}xample.\N{CYRILLIC SMALL LETTER ES}om",
        "\N{FULLWIDTH LATIN CAPITAL LETTER K}\N{FULLWIDTH LATIN SMALL LETTER E}vin"
        ".walsh@example.com",
        "kevin.walsh\N{ZERO WIDTH SPACE}@example.com",
        "k\N{LATIN SMALL LETTER E WITH ACUTE}vin.walsh@example.com",
    ],
)
def test_look_alike_spellings_of_an_email_fold_to_one_key(spelling):
    assert account_key(spelling) == KEVIN


def test_different_emails_keep_different_keys():
    keys = {account_key(e) for e in [KEVIN, "kevin.walsh@example.org", "kevln.walsh@example.com"]}
    assert len(keys) == 3
