"""Tokenisation: a card typed into the sandbox's field becomes a tok_… that the
merchant's page passes on, in place of the card; a bank account typed into its
bank field a btok_…, in the same way.

A token is single use and lasts 15 minutes, like a real processor's. It keeps
what the processor needs later (brand, last four, expiry, and the behaviour
the test number chose), never the number or the CVV; only a hash of its id
is stored, so the table cannot be replayed. A bank token keeps the bank's
name, the last four digits, the type and the behaviour: never the account or
routing number.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from trellis.sandbox_processor import models
from trellis.sandbox_processor.banks import bank_account_check
from trellis.sandbox_processor.behaviours import bank_behaviour_of, behaviour_of
from trellis.sandbox_processor.cards import card_check

TOKEN_LIFETIME = timedelta(minutes=15)
FIELDS = ("number", "exp_month", "exp_year", "cvv")
BANK_FIELDS = ("routing_number", "account_number", "account_number_confirm", "account_type")


@dataclass(frozen=True)
class Token:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class BankToken:
    id: str
    bank_name: str
    last4: str
    account_type: str


class CardRejected(Exception):
    """The card fails the rules. `errors` maps each field ("number",
    "exp_month", "exp_year", "cvv") to its message in the active language;
    nothing in it repeats what was typed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"card rejected: {', '.join(sorted(errors))}")
        self.errors = errors


class BankAccountRejected(Exception):
    """The bank account fails the rules; `errors` by field (BANK_FIELDS), as
    for a card, none repeating what was typed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"bank account rejected: {', '.join(sorted(errors))}")
        self.errors = errors


class TokenUnusable(Exception):
    """Unknown, used, expired, or another customer's."""


def token_hash(token_id: str) -> str:
    return hashlib.sha256(token_id.encode()).hexdigest()


@sensitive_variables("number", "cvv", "checked")
def token_create(
    *,
    number: str,
    exp_month: str | int,
    exp_year: str | int,
    cvv: str,
    today: date | None = None,
    customer: str = "",
) -> Token:
    """A token for the card, or CardRejected. `customer`: the cus_… of the
    field that typed it, who alone may save it ("" lets any customer)."""
    try:
        checked = card_check(
            number=number,
            exp_month=exp_month,
            exp_year=exp_year,
            cvv=cvv,
            today=today or timezone.localdate(),
        )
    except ValidationError as error:
        raise CardRejected(
            {field: str(messages[0]) for field, messages in error.message_dict.items()}
        ) from None
    token_id = "tok_" + secrets.token_urlsafe(24)
    now = timezone.now()
    models.Token.objects.create(
        id_hash=token_hash(token_id),
        brand=checked.brand.value,
        last4=checked.number[-4:],
        exp_month=checked.exp_month,
        exp_year=checked.exp_year,
        behaviour=behaviour_of(checked.number),
        customer=customer,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return Token(
        id=token_id,
        brand=checked.brand.value,
        last4=checked.number[-4:],
        exp_month=checked.exp_month,
        exp_year=checked.exp_year,
    )


@sensitive_variables("routing_number", "account_number", "account_number_confirm", "checked")
def bank_token_create(
    *,
    routing_number: str,
    account_number: str,
    account_type: str,
    account_number_confirm: str | None = None,
    customer: str = "",
) -> BankToken:
    """A btok_… for the bank account, or BankAccountRejected; `customer` as
    for token_create. The confirmation is checked when given."""
    try:
        checked = bank_account_check(
            routing_number=routing_number,
            account_number=account_number,
            account_type=account_type,
            account_number_confirm=account_number_confirm,
        )
    except ValidationError as error:
        raise BankAccountRejected(
            {field: str(messages[0]) for field, messages in error.message_dict.items()}
        ) from None
    token_id = "btok_" + secrets.token_urlsafe(24)
    now = timezone.now()
    models.BankToken.objects.create(
        id_hash=token_hash(token_id),
        bank_name=checked.bank_name,
        last4=checked.last4,
        account_type=checked.account_type.value,
        behaviour=bank_behaviour_of(checked.account_number),
        customer=customer,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return BankToken(
        id=token_id,
        bank_name=checked.bank_name,
        last4=checked.last4,
        account_type=checked.account_type.value,
    )


def _claim(
    model: type[models.Token] | type[models.BankToken], token_id: str, customer: str
) -> None:
    # One conditional UPDATE claims it, so two requests cannot both use it.
    now = timezone.now()
    claimed = (
        model.objects.filter(id_hash=token_hash(token_id), used_at__isnull=True, expires_at__gt=now)
        .filter(customer__in=("", customer))
        .update(used_at=now)
    )
    if not claimed:
        raise TokenUnusable


def token_consume(*, token_id: str, customer: str) -> models.Token:
    """The token's card, marking it used; TokenUnusable if it cannot be used."""
    _claim(models.Token, token_id, customer)
    return models.Token.objects.get(id_hash=token_hash(token_id))


def bank_token_consume(*, token_id: str, customer: str) -> models.BankToken:
    """The bank token's account, marking it used; TokenUnusable as for a card."""
    _claim(models.BankToken, token_id, customer)
    return models.BankToken.objects.get(id_hash=token_hash(token_id))
