"""Helpers for tests that pay through the sandbox (by card or bank account)
without a browser."""

from __future__ import annotations

from django.utils import timezone

from trellis.sandbox_processor.tokens import bank_token_create, token_create


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


def bank_account_token(
    account_number: str = "000123456789",
    *,
    routing_number: str = "110000000",
    account_type: str = "checking",
    customer: str = "",
) -> str:
    """A btok_… as the sandbox's bank field would give the browser for this
    test account (behaviours.py lists them), bound to `customer` if given."""
    return bank_token_create(
        routing_number=routing_number,
        account_number=account_number,
        account_type=account_type,
        customer=customer,
    ).id
