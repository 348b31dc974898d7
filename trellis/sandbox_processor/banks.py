"""The sandbox's checks on a US bank account as the customer typed it into its
bank field: the routing number (ABA, with its checksum), the account number,
checking or savings.

As in cards.py, every message is in the customer's words and none repeats
what was typed: a ValidationError may end up in a log. The bank's name comes
from the routing number, as a processor looks it up in the Federal Reserve's
directory; the sandbox knows its own test bank's only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    CHECKING = "checking", _("Checking")
    SAVINGS = "savings", _("Savings")


# The routing number the test accounts are at (Stripe's test mode uses the
# same one), and what any other valid routing number is called.
TEST_ROUTING_NUMBER = "110000000"
BANK_NAMES = {TEST_ROUTING_NUMBER: "Sandbox Test Bank"}
OTHER_BANK = "Bank"

ROUTING_REQUIRED = _("Enter the 9-digit routing number from the bottom of your cheque.")
ROUTING_INVALID = _("This routing number is not valid. Check it against a cheque or your bank.")
ACCOUNT_INVALID = _("Enter an account number of 4 to 17 digits.")
CONFIRMATION_DIFFERS = _("The account numbers do not match. Type the account number again.")
TYPE_REQUIRED = _("Choose checking or savings.")

ACCOUNT_LENGTHS = range(4, 18)
# 3·d1 + 7·d2 + d3 + 3·d4 + 7·d5 + d6 + 3·d7 + 7·d8 + d9 ≡ 0 (mod 10)
ROUTING_WEIGHTS = (3, 7, 1) * 3

_SEPARATORS = re.compile(r"[\s-]+")


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


def routing_checksum_valid(digits: str) -> bool:
    """The ABA checksum of nine digits."""
    total = sum(weight * int(digit) for weight, digit in zip(ROUTING_WEIGHTS, digits, strict=True))
    return total % 10 == 0


def routing_number_check(value: str) -> str:
    """The routing number's nine digits, or ValidationError in the customer's words."""
    digits = _digits(value)
    if not digits.isascii() or not digits.isdigit() or len(digits) != 9:
        raise ValidationError(ROUTING_REQUIRED, code="routing_length")
    if not routing_checksum_valid(digits):
        raise ValidationError(ROUTING_INVALID, code="routing_checksum")
    return digits


def account_number_check(value: str) -> str:
    digits = _digits(value)
    if not digits.isascii() or not digits.isdigit() or len(digits) not in ACCOUNT_LENGTHS:
        raise ValidationError(ACCOUNT_INVALID, code="account_number")
    return digits


def account_type_check(value: str) -> AccountType:
    if value not in AccountType.values:
        raise ValidationError(TYPE_REQUIRED, code="account_type")
    return AccountType(value)


def bank_name(routing_number: str) -> str:
    return BANK_NAMES.get(routing_number, OTHER_BANK)


@dataclass(frozen=True)
class CheckedBankAccount:
    """An account that passed every rule. Its repr leaves out the numbers."""

    routing_number: str
    account_number: str
    account_type: AccountType

    @property
    def bank_name(self) -> str:
        return bank_name(self.routing_number)

    @property
    def last4(self) -> str:
        return self.account_number[-4:]

    def __repr__(self) -> str:
        return f"CheckedBankAccount({self.account_type.value} •••• {self.last4})"


def bank_account_check(
    *,
    routing_number: str,
    account_number: str,
    account_type: str,
    account_number_confirm: str | None = None,
) -> CheckedBankAccount:
    """Every rule at once; a ValidationError with a dict of field errors
    ("routing_number", "account_number", "account_number_confirm",
    "account_type") if any fails. The confirmation is compared only when
    given (the field sends it; a server-made token has none)."""
    errors: dict[str, ValidationError] = {}
    routing = account = ""
    kind: AccountType | None = None
    try:
        routing = routing_number_check(routing_number)
    except ValidationError as error:
        errors["routing_number"] = error
    try:
        account = account_number_check(account_number)
    except ValidationError as error:
        errors["account_number"] = error
    confirmed = account_number_confirm is None or _digits(account_number_confirm) == account
    if account and not confirmed:
        errors["account_number_confirm"] = ValidationError(CONFIRMATION_DIFFERS, code="confirm")
    try:
        kind = account_type_check(account_type)
    except ValidationError as error:
        errors["account_type"] = error
    if errors or kind is None:
        raise ValidationError(errors)
    return CheckedBankAccount(routing_number=routing, account_number=account, account_type=kind)
