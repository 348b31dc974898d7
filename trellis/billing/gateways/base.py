"""The one seam between Trellis and a payment processor.

Everything that moves money goes through a Gateway: the sandbox built in, or a
real processor behind the same methods. Each call carries an idempotency key:
a processor that sees a key again answers what it answered the first time and
does nothing more, which is what makes a retry after a timeout safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class CardDetails:
    """What the customer typed. Lives only for the call to `tokenize`: it is
    never stored, logged or put in an exception (see __repr__)."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvv: str = field(repr=False)
    holder_name: str
    postcode: str = ""


@dataclass(frozen=True)
class SavedCard:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class Charge:
    reference: str
    amount: Decimal


@dataclass(frozen=True)
class Refund:
    reference: str
    amount: Decimal


class PaymentDeclined(Exception):
    """The processor said no, with a reason the customer can read. Nothing was charged."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GatewayUnavailable(Exception):
    """No answer (a timeout, a network error): the charge may or may not have
    happened. Retry with the same idempotency key to find out."""


class Gateway(Protocol):
    name: str
    # Origins the processor's own card fields load scripts and frames from
    # (e.g. ("https://js.stripe.com",)); the card-entry pages allow them in
    # their Content-Security-Policy, and no other page does.
    script_origins: tuple[str, ...]

    def tokenize(self, *, card: CardDetails, idempotency_key: str) -> SavedCard:
        """Save a card with the processor; raises PaymentDeclined if it refuses it."""
        ...

    def charge(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge:
        """Take `amount` from the saved card; PaymentDeclined or GatewayUnavailable."""
        ...

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> Refund:
        """Give back up to the charged amount of charge `reference`."""
        ...
