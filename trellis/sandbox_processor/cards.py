"""The sandbox's checks on a card as the customer typed it into its field.

These are the rules the portal's own card form applied before card entry moved
to the processor; the messages keep their English wording (and so the
translations in trellis/locale). Every message is in the customer's words, and
none repeats the number or the CVV: a ValidationError may end up in a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Brand(models.TextChoices):
    VISA = "visa", "Visa"
    MASTERCARD = "mastercard", "Mastercard"
    AMEX = "amex", "American Express"
    DISCOVER = "discover", "Discover"


NUMBER_REQUIRED = _("Enter your card number.")
NUMBER_INVALID = _("Your card number is not valid. Check it and try again.")
BRAND_UNKNOWN = _(
    "We accept Visa, Mastercard, American Express and Discover. "
    "This card number is not one of them."
)
NUMBER_LENGTH = _("Your card number is not the right length for this card.")
MONTH_INVALID = _("Enter the expiration month as a number from 1 to 12.")
YEAR_INVALID = _("Enter the expiration year as four digits, e.g. 2030.")
EXPIRED = _("This card has expired. Check the expiration date or use another card.")
CVV_REQUIRED = _("Enter your card's security code (CVV).")
CVV_THREE = _("The security code (CVV) is the 3 digits on the back of your card.")
CVV_FOUR = _("The security code (CVV) is the 4 digits on the front of your American Express card.")

# Lengths a number of each brand may have.
LENGTHS = {
    Brand.VISA: (13, 16, 19),
    Brand.MASTERCARD: (16,),
    Brand.AMEX: (15,),
    Brand.DISCOVER: (16, 17, 18, 19),
}
CVV_LENGTH = {Brand.AMEX: 4}

_SEPARATORS = re.compile(r"[\s-]+")


def card_number_digits(value: str) -> str:
    """The number without the spaces and dashes people type; ValidationError if
    anything else is in it."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits:
        raise ValidationError(NUMBER_REQUIRED, code="required")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(NUMBER_INVALID, code="invalid")
    return digits


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_brand(digits: str) -> Brand | None:
    """The brand a number belongs to, by its first digits; None if none we take."""
    if digits.startswith("4"):
        return Brand.VISA
    if len(digits) >= 2 and 51 <= int(digits[:2]) <= 55:
        return Brand.MASTERCARD
    if len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720:
        return Brand.MASTERCARD
    if digits[:2] in ("34", "37"):
        return Brand.AMEX
    if digits.startswith("6011") or digits.startswith("65"):
        return Brand.DISCOVER
    if len(digits) >= 3 and 644 <= int(digits[:3]) <= 649:
        return Brand.DISCOVER
    return None


def card_number_check(value: str) -> tuple[str, Brand]:
    """The number's digits and brand, or ValidationError in the customer's words."""
    digits = card_number_digits(value)
    brand = card_brand(digits)
    if brand is None:
        raise ValidationError(BRAND_UNKNOWN, code="brand")
    if len(digits) not in LENGTHS[brand]:
        raise ValidationError(NUMBER_LENGTH, code="length")
    if not luhn_valid(digits):
        raise ValidationError(NUMBER_INVALID, code="luhn")
    return digits, brand


def expiry_month_check(value: str | int) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 12:
        raise ValidationError(MONTH_INVALID, code="month")
    return int(text)


def expiry_year_check(value: str | int) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) != 4:
        raise ValidationError(YEAR_INVALID, code="year")
    return int(text)


def expiry_check(*, month: int, year: int, today: date) -> None:
    """A card is good until the end of its expiration month."""
    if (year, month) < (today.year, today.month):
        raise ValidationError(EXPIRED, code="expired")


def cvv_check(value: str, *, brand: Brand | None) -> str:
    cvv = (value or "").strip()
    if not cvv:
        raise ValidationError(CVV_REQUIRED, code="required")
    # Without a brand (the number was wrong) only the shape can be checked.
    lengths = (CVV_LENGTH.get(brand, 3),) if brand is not None else (3, 4)
    if not cvv.isascii() or not cvv.isdigit() or len(cvv) not in lengths:
        message = CVV_FOUR if brand == Brand.AMEX else CVV_THREE
        raise ValidationError(message, code="cvv")
    return cvv


@dataclass(frozen=True)
class CheckedCard:
    """A card that passed every rule. Its repr leaves out the number and CVV."""

    number: str
    brand: Brand
    exp_month: int
    exp_year: int
    cvv: str

    def __repr__(self) -> str:
        return f"CheckedCard({self.brand.value} •••• {self.number[-4:]})"


def card_check(
    *, number: str, exp_month: str | int, exp_year: str | int, cvv: str, today: date
) -> CheckedCard:
    """Every rule at once; a ValidationError with a dict of field errors
    ("number", "exp_month", "exp_year", "cvv") if any fails."""
    errors: dict[str, ValidationError] = {}
    digits, brand = "", None
    try:
        digits, brand = card_number_check(number)
    except ValidationError as error:
        errors["number"] = error
    month = year = 0
    try:
        month = expiry_month_check(exp_month)
    except ValidationError as error:
        errors["exp_month"] = error
    try:
        year = expiry_year_check(exp_year)
    except ValidationError as error:
        errors["exp_year"] = error
    if month and year:
        try:
            expiry_check(month=month, year=year, today=today)
        except ValidationError as error:
            errors["exp_month"] = error
    checked_cvv = ""
    try:
        checked_cvv = cvv_check(cvv, brand=brand)
    except ValidationError as error:
        errors["cvv"] = error
    if errors or brand is None:
        raise ValidationError(errors)
    return CheckedCard(number=digits, brand=brand, exp_month=month, exp_year=year, cvv=checked_cvv)
