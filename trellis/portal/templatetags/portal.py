from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from django import template
from django.utils.formats import get_format
from django.utils.translation import get_language

register = template.Library()

SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "MXN": "$", "EUR": "€", "GBP": "£"}
CENT = Decimal("0.01")


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    """An amount with its currency, grouped the way the active language writes
    numbers (Django's formats: 1,234.50 in English, 1 234,50 in Spanish).

    What `floatformat:"2g"` wrote, a page of invoices calls it dozens of times
    and floatformat was the page's costliest filter; grouping by threes, as
    every language Trellis speaks does, is Python's own "," format."""
    if amount is None:
        return ""
    cents = abs(Decimal(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    number = f"{cents:,.2f}"
    decimal, thousands = _separators(get_language())
    if (decimal, thousands) != (".", ","):
        number = number.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    symbol = SYMBOLS.get(currency)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


@cache
def _separators(language: str | None) -> tuple[str, str]:
    """The decimal and thousands separators of a language (its formats never
    change while Trellis runs)."""
    return get_format("DECIMAL_SEPARATOR", language), get_format("THOUSAND_SEPARATOR", language)
