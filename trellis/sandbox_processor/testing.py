"""Helpers for tests that pay through the sandbox without a browser."""

from __future__ import annotations

from django.utils import timezone

from trellis.sandbox_processor.tokens import token_create


def sandbox_token(
    number: str = "4242424242424242",
    *,
    exp_month: int = 12,
    exp_year: int | None = None,
    customer: str = "",
) -> str:
    """A tok_… as the sandbox's card field would give the browser for this
    test card (any customer may save it unless `customer` is given)."""
    year = exp_year if exp_year is not None else timezone.localdate().year + 3
    cvv = "1234" if number.replace(" ", "").startswith(("34", "37")) else "123"
    return token_create(
        number=number, exp_month=exp_month, exp_year=year, cvv=cvv, customer=customer
    ).id
