"""The one seam between Trellis and a payment processor.

Everything that moves money goes through a Gateway: the sandbox processor built
in (trellis.sandbox_processor), or Stripe behind the same methods. Each call
that changes something carries an idempotency key: a processor that sees a key
again answers what it answered the first time and does nothing more, which is
what makes a retry after a timeout safe.

Card details never reach Trellis. The page where a card is typed embeds the
processor's own field (`card_entry`); the processor tokenises the card in the
browser, and Trellis's views receive only that token, which `card_save` turns
into a reusable method, reporting the brand, last four digits and expiry.

A US bank account (ACH) is added the same way (`bank_entry`, `bank_save`):
the routing and account numbers are typed into the processor's field, and
Trellis keeps the token, the bank's name, the last four digits and the type.
The processor may want the account verified before it is charged: it sends
two small deposits, and the customer confirms their amounts (`bank_verify`).
A bank payment is accepted "processing" and clears days later, by a webhook
(charge.succeeded, or charge.failed when the bank returns it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

MethodKind = Literal["card", "bank_account"]


@dataclass(frozen=True)
class CardEntry:
    """What a page needs to show the processor's card field.

    `kind` is the gateway's name and picks the template that embeds the field
    (`trellis/templates/card_entry/<kind>.html`, given `entry`); `script_url` is the
    processor's script the page loads (the page's policy allows it:
    Gateway.card_page_sources); `options` are handed to the script (as data-
    attributes): the sandbox's field URL, Stripe's publishable key and the
    SetupIntent's client secret, the language.
    """

    kind: str
    script_url: str
    options: Mapping[str, str] = field(default_factory=dict)
    # What the field takes: "card", or "bank_account" (a US bank account:
    # routing number, account number, checking or savings), whose template
    # is card_entry/<kind>_bank.html when the processor has one of its own.
    method: MethodKind = "card"
    # The name of the form's hidden input the processor's token goes into.
    token_field: str = "card_token"  # noqa: S105 (a field name, not a secret)


@dataclass(frozen=True)
class SavedCard:
    """A card the processor keeps for a customer, as it reports it."""

    token: str  # the processor's reusable reference (sandbox card_…, Stripe pm_…)
    brand: str  # visa, mastercard, amex, discover (PaymentMethod.Brand)
    last4: str
    exp_month: int
    exp_year: int


AccountType = Literal["checking", "savings"]


@dataclass(frozen=True)
class SavedBankAccount:
    """A US bank account the processor keeps for a customer, as it reports it.

    `verified` False: the processor sent two small deposits to the account and
    will not charge it until the customer confirms their amounts
    (`Gateway.bank_verify`, with `verification_reference`: the sandbox's ba_…,
    Stripe's SetupIntent seti_…)."""

    token: str  # the processor's reusable reference (sandbox ba_…, Stripe pm_…)
    bank_name: str
    last4: str
    account_type: AccountType
    verified: bool
    verification_reference: str = ""


ChargeStatus = Literal["succeeded", "requires_action", "processing"]


@dataclass(frozen=True)
class Charge:
    """A charge the processor accepted. `requires_action`: the customer's bank
    wants them to confirm it (3-D Secure); `action` holds what the page needs
    to show the processor's prompt (sandbox: {"url": …}; Stripe:
    {"client_secret": …}), and the payment stays pending until the processor
    says how it ended (the browser's return, a webhook or `charge_lookup`).
    `processing`: a bank payment (ACH) on its way, which clears or is returned
    days later (a charge.succeeded or charge.failed webhook)."""

    reference: str
    amount: Decimal
    status: ChargeStatus = "succeeded"
    action: Mapping[str, str] = field(default_factory=dict)


LookupState = Literal["succeeded", "failed", "pending", "processing", "not_found"]


@dataclass(frozen=True)
class ChargeLookup:
    """What the processor knows of the charge made with an idempotency key.

    succeeded: charged (`reference`, `amount`); failed: not charged, `message`
    says why in the customer's words; pending: still open at the processor
    (waiting for the customer's bank, `action` as in Charge, or processing);
    not_found: the processor never saw the key, so nothing was charged.
    A processor that cannot be reached raises GatewayUnavailable instead.
    """

    state: LookupState
    reference: str = ""
    amount: Decimal | None = None
    message: str = ""
    action: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    reference: str
    amount: Decimal


EventKind = Literal["charge.succeeded", "charge.failed", "refund.succeeded", "ignored"]


@dataclass(frozen=True)
class GatewayEvent:
    """A webhook event, verified and put in Trellis's terms.

    `id` is the processor's event id (stored once: a second delivery is a
    no-op). `payment_key` is the idempotency key Trellis sent with the charge
    (processors echo it back in the charge's metadata); `reference` the
    processor's charge reference; for a refund, `refund_key` the key Trellis
    sent with it ("" for a refund made in the processor's dashboard) and
    `reference` the refund's, `charge_reference` the refunded charge's.
    """

    id: str
    kind: EventKind
    payment_key: str = ""
    reference: str = ""
    charge_reference: str = ""
    refund_key: str = ""
    amount: Decimal | None = None
    message: str = ""


class PaymentDeclined(Exception):
    """The processor said no, with a reason the customer can read. Nothing was charged."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GatewayUnavailable(Exception):
    """No answer (a timeout, a network error): the charge may or may not have
    happened. Retry with the same idempotency key to find out."""


class InvalidSignature(Exception):
    """A webhook whose signature does not verify: it is answered 400 and changes nothing."""


class Gateway(Protocol):
    name: str  # "sandbox", "stripe": stored on each PaymentMethod and in the webhook URL

    @property
    def card_page_sources(self) -> Mapping[str, tuple[str, ...]]:
        """What the processor's card field and bank prompt load, by
        Content-Security-Policy directive ("script-src", "frame-src",
        "connect-src"): the pages that show them allow exactly these, and no
        other page allows any."""
        ...

    def customer_create(self, *, name: str, email: str, idempotency_key: str) -> str:
        """A customer at the processor for one contact; returns its reference."""
        ...

    def card_entry(self, *, customer: str, language: str) -> CardEntry:
        """What the page needs to embed the processor's card field for `customer`
        (Stripe makes a SetupIntent here), in `language` ("en", "es")."""
        ...

    def card_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedCard:
        """Turn the token the processor's field gave the browser into a card
        kept for `customer`. PaymentDeclined if the processor refuses the card,
        or the token is unknown, used, expired or another customer's."""
        ...

    def bank_entry(self, *, customer: str, language: str) -> CardEntry:
        """What the page needs to embed the processor's bank account field
        (routing number, account number, checking or savings) for `customer`;
        its token goes into the form's `bank_token` (CardEntry.token_field)."""
        ...

    def bank_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedBankAccount:
        """Turn the bank field's token into an account kept for `customer`,
        verified or waiting for the customer to confirm two small deposits.
        PaymentDeclined as for `card_save`."""
        ...

    def bank_verify(
        self,
        *,
        token: str,
        verification_reference: str,
        customer: str,
        amounts: tuple[Decimal, Decimal],
        idempotency_key: str,
    ) -> bool:
        """Confirm a bank account with the two deposits' amounts, in dollars:
        True when they match (it can be charged from now on), False when they
        do not (Trellis counts the tries). PaymentDeclined (code
        "verification_failed") when the processor will not verify it at all."""
        ...

    def charge(
        self,
        *,
        token: str,
        customer: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        customer_present: bool,
        return_url: str,
    ) -> Charge:
        """Take `amount` from a saved card or a verified bank account (`token`;
        a bank payment answers "processing"). `customer_present`: the customer is
        at the page and can answer their bank's prompt (else the charge is
        off-session); `return_url` is where the processor's prompt sends them
        back. Raises PaymentDeclined or GatewayUnavailable."""
        ...

    def charge_lookup(self, *, idempotency_key: str, reference: str = "") -> ChargeLookup:
        """What became of the charge asked for with `idempotency_key` (and, when
        Trellis knows it, the processor's `reference`)."""
        ...

    def charge_cancel(self, *, idempotency_key: str, reference: str) -> ChargeLookup:
        """Give up a charge still waiting for the customer's bank (a 3-D Secure
        prompt never answered), so it can no longer be completed. Returns what
        the processor then knows of it: failed (canceled), or succeeded if the
        customer confirmed it just before."""
        ...

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> Refund:
        """Give back up to the charged amount of charge `reference`."""
        ...

    def webhook_event(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """The event a webhook request carries, once its signature is verified
        with the gateway's secret; InvalidSignature if it does not verify."""
        ...
