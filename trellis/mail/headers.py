"""Header values built from what people typed: names, titles, file names.

A header is one line. A line break in a value would either be refused by the
mail library (so the email never sends, every time it is tried) or, where
nothing refuses it, start a header of the sender's choosing; other control
characters make headers that mail programs read in different ways.
"""

from __future__ import annotations

import unicodedata

# Control characters, and the Unicode line and paragraph separators, which
# some mail programs and str.splitlines() treat as line breaks.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def header_safe(value: str) -> str:
    """The value on one line: each control character or line break becomes a
    space, and runs of spaces one space, with none at either end."""
    spaced = "".join(" " if unicodedata.category(c) in _BREAKING else c for c in value)
    return " ".join(spaced.split())
