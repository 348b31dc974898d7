"""Finding card numbers where none may be: the proof that Trellis keeps none."""

from __future__ import annotations

import io
import re

from django.core.management import call_command

DIGIT_RUN = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    """Every run of 13 to 19 digits in the text that passes the Luhn check."""
    return [run for run in DIGIT_RUN.findall(text) if luhn_valid(run)]


def database_dump() -> str:
    """Every row of every table, as JSON text (what a backup would hold)."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out, verbosity=0)
    return out.getvalue()
