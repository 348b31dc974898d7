"""The profile rules for names and the exact words the portal uses for them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters of any alphabet; a space, hyphen or apostrophe only between letters.
# (\u2019 is the typographic apostrophe phones type: O\u2019Brien.)
NAME = re.compile(r"^[^\W\d_]+(?:[ '\u2019-][^\W\d_]+)*$")

FIRST_NAME_MESSAGE = _(
    "First name must have at least 2 characters. Numbers and special characters are not allowed."
)
LAST_NAME_MESSAGE = _(
    "Last name must have at least 1 character. Numbers and special characters are not allowed."
)


def _is_name(value: str, *, min_letters: int) -> bool:
    letters = sum(ch.isalpha() for ch in value)
    return letters >= min_letters and NAME.match(value) is not None


def validate_first_name(value: str) -> None:
    if not _is_name(value, min_letters=2):
        raise ValidationError(FIRST_NAME_MESSAGE, code="first_name")


def validate_last_name(value: str) -> None:
    if not _is_name(value, min_letters=1):
        raise ValidationError(LAST_NAME_MESSAGE, code="last_name")
