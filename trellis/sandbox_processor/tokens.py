"""Tokenisation: a card typed into the sandbox's field becomes a tok_… that the
merchant's page passes on, in place of the card.

A token is single use and lasts 15 minutes, like a real processor's. It keeps
what the processor needs later (brand, last four, expiry, and the behaviour
the test number chose), never the number or the CVV; only a hash of its id
is stored, so the table cannot be replayed.
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
from trellis.sandbox_processor.behaviours import behaviour_of
from trellis.sandbox_processor.cards import card_check

TOKEN_LIFETIME = timedelta(minutes=15)
FIELDS = ("number", "exp_month", "exp_year", "cvv")


@dataclass(frozen=True)
class Token:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class CardRejected(Exception):
    """The card fails the rules. `errors` maps each field ("number",
    "exp_month", "exp_year", "cvv") to its message in the active language;
    nothing in it repeats what was typed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"card rejected: {', '.join(sorted(errors))}")
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


def token_consume(*, token_id: str, customer: str) -> models.Token:
    """The token's card, marking it used; TokenUnusable if it cannot be used.
    One conditional UPDATE claims it, so two requests cannot both use it."""
    now = timezone.now()
    claimed = (
        models.Token.objects.filter(
            id_hash=token_hash(token_id), used_at__isnull=True, expires_at__gt=now
        )
        .filter(customer__in=("", customer))
        .update(used_at=now)
    )
    if not claimed:
        raise TokenUnusable
    return models.Token.objects.get(id_hash=token_hash(token_id))
