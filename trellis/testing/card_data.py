"""Finding card numbers where none may be: the proof that Trellis keeps none.

Two scans, each finding what the other cannot:
- `card_numbers_in(text)`: any number a card we accept could have — 13 to 19
  digits (with the spaces or dashes people type), a brand's first digits at
  that brand's length, passing the Luhn check. It finds a card no test typed.
- `typed_numbers_in(text, numbers)`: the numbers a test typed, wherever they
  are, even inside a longer run of digits.

Random identifiers (message ids, hex tokens) almost never look like a card
number; `card_numbers_in` is strict so that a scan of a whole database never
fails by chance.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from django.core.management import call_command

from trellis.billing.cards import LENGTHS, card_brand, luhn_valid

CARD_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
SEPARATORS = re.compile(r"[ -]")


def could_be_a_card(digits: str) -> bool:
    brand = card_brand(digits)
    return brand is not None and len(digits) in LENGTHS[brand] and luhn_valid(digits)


def card_numbers_in(text: str) -> set[str]:
    """Every run of digits in the text that could be the number of a card."""
    runs = (SEPARATORS.sub("", match.group()) for match in CARD_RUN.finditer(text))
    return {digits for digits in runs if could_be_a_card(digits)}


def typed_numbers_in(text: str, numbers: Iterable[str]) -> set[str]:
    """The numbers (as typed, separators and all) found in the text once spaces
    and dashes are taken out of both."""
    flat = SEPARATORS.sub("", text)
    return {number for number in numbers if SEPARATORS.sub("", number) in flat}


def database_dump() -> str:
    """Every row of every table, as JSON text (what a backup would hold)."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out, verbosity=0)
    return out.getvalue()
