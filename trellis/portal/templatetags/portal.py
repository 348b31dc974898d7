from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()

SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "MXN": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    """An amount with its currency, grouped the way the active language writes numbers."""
    if amount is None:
        return ""
    symbol = SYMBOLS.get(currency)
    number = floatformat(abs(amount), "2g")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"
