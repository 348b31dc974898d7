"""The money filter writes what Django's floatformat:"2g" writes, in every
language the portal speaks: rounding half up, grouped by thousands."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import translation

from trellis.portal.templatetags.portal import money

AMOUNTS = [
    Decimal(text)
    for text in ["0", "0.005", "0.015", "1", "-1.5", "999.995", "1000", "1234567.891", "-1234.565"]
] + [Decimal(n) * 1000 / 7 for n in range(-30, 30)]


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_money_writes_what_floatformat_writes(language):
    with translation.override(language):
        for amount in AMOUNTS:
            expected = ("-" if amount < 0 else "") + "$" + floatformat(abs(amount), "2g")
            assert money(amount, "USD") == expected, amount


def test_money_names_a_currency_without_a_symbol():
    with translation.override("es"):
        assert money(Decimal("-1234.5"), "CHF") == "-1\xa0234,50 CHF"
    assert money(None) == ""
