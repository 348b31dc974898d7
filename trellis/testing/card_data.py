"""Finding card numbers where none may be: the proof that Trellis keeps none.

What a card number looks like comes from the sandbox processor's card rules
(trellis.sandbox_processor.cards): the brands and lengths it accepts, and the
Luhn check.

Two scans, each finding what the other cannot:
- `card_numbers_in(text)`: any number a card we accept could have — 13 to 19
  digits (with the spaces or dashes people type), a brand's first digits at
  that brand's length, passing the Luhn check. It finds a card no test typed.
- `typed_numbers_in(text, numbers)`: the numbers a test typed, wherever they
  are, even inside a longer run of digits.

`security_code_in(text, cvv)` looks for a security code typed; and
`card_tokenised(client, number, cvv)` types a card the way the browser does:
into the sandbox processor's field, which answers a token.

Random identifiers (message ids, hex tokens) almost never look like a card
number; `card_numbers_in` is strict so that a scan of a whole database never
fails by chance.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from trellis.sandbox_processor.cards import LENGTHS, card_brand, luhn_valid

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


def security_code_in(text: str, cvv: str) -> bool:
    """Whether a card's security code is in the text as a typed value would be:
    quoted ("739", '739') or after its field's name (cvv=739). A bare number
    does not count: ids, sequence numbers and times are digits too."""
    named = rf"(?:cvv|cvc|csc|security_code)[\"']?\s*[:=]\s*[\"']?{cvv}(?!\d)"
    return re.search(rf"[\"']{cvv}[\"']|{named}", text, re.IGNORECASE) is not None


def database_dump() -> str:
    """Every row of every table, as JSON text (what a backup would hold)."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out, verbosity=0)
    return out.getvalue()


def card_tokenised(
    client: Client, number: str, cvv: str, *, exp_month: int = 12, exp_year: int | None = None
) -> str:
    """The card typed into the sandbox processor's field, as its script sends it
    to the processor's tokenisation API (never to Trellis): the tok_… it answers."""
    year = exp_year or timezone.localdate().year + 3
    response = client.post(
        reverse("sandbox_processor:tokens"),
        {"number": number, "exp_month": str(exp_month), "exp_year": str(year), "cvv": cvv},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content.decode()  # noqa: S101 (a test helper)
    return str(response.json()["id"])
