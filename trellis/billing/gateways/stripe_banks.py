"""US bank accounts (ACH Direct Debit) at Stripe, for StripeGateway.

An account is saved with a SetupIntent for `us_bank_account` that the browser
collects in Stripe's own dialog (Stripe.js's collectBankAccountForSetup, then
confirmUsBankAccountSetup): the routing and account numbers go only to
Stripe. Trellis asks for micro-deposit verification: Stripe sends two small
deposits, the SetupIntent waits in requires_action (verify_with_microdeposits),
and the customer's amounts are checked with verify_microdeposits. Only when
the SetupIntent succeeds does Stripe attach the PaymentMethod to the customer
and record the mandate that lets Trellis debit it later.

Stripe allows three tries of the amounts; Trellis counts its own as well
(trellis.billing.bank_accounts), so the customer hears of the last try from
Trellis before Stripe refuses a fourth.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from trellis.billing.gateways import stripe_words as words
from trellis.billing.gateways.base import CardEntry, PaymentDeclined, SavedBankAccount

logger = logging.getLogger(__name__)

BANK_ACCOUNT = "us_bank_account"
# Stripe's error codes for the customer's amounts (verify_microdeposits).
AMOUNTS_MISMATCH = "payment_method_microdeposit_verification_amounts_mismatch"


def id_of(field: Any) -> str:
    """The id of a field Stripe gives as an id or, expanded, as the object."""
    if field is None:
        return ""
    return field if isinstance(field, str) else str(field.id)


def bank_entry(
    client: stripe.StripeClient, *, customer: str, language: str, script_url: str
) -> CardEntry:
    """A SetupIntent for a bank account of `customer`, verified by
    micro-deposits, and what Stripe.js's collectBankAccountForSetup needs:
    its client secret and the billing details Stripe asks for (the customer's
    name and email, from the Customer it expands)."""
    intent = client.v1.setup_intents.create(
        {
            "customer": customer,
            "usage": "off_session",
            "allowed_payment_method_types": [BANK_ACCOUNT],
            "payment_method_options": {
                "us_bank_account": {
                    "verification_method": "microdeposits",
                    "financial_connections": {"permissions": ["payment_method"]},
                }
            },
            "expand": ["customer"],
        }
    )
    holder = None if isinstance(intent.customer, str) else intent.customer
    return CardEntry(
        kind="stripe",
        script_url=script_url,
        method="bank_account",
        token_field="bank_token",  # noqa: S106 (a form field's name, not a secret)
        options={
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": intent.client_secret or "",
            "language": language,
            "name": (holder.name if holder else None) or "",
            "email": (holder.email if holder else None) or "",
        },
    )


def bank_save(client: stripe.StripeClient, *, token: str, customer: str) -> SavedBankAccount:
    """`token` is the id of the SetupIntent the browser confirmed, checked to
    be this customer's, and its PaymentMethod read. Succeeded: verified.
    Waiting for micro-deposits: not verified yet, with the SetupIntent as the
    verification's reference."""
    invalid = PaymentDeclined("token_invalid", str(words.BANK_NOT_SAVED))
    if not token.startswith("seti_"):
        raise invalid
    try:
        intent = client.v1.setup_intents.retrieve(token)
    except stripe.InvalidRequestError:  # unknown to Stripe
        raise invalid from None
    if id_of(intent.customer) != customer:
        logger.warning("SetupIntent %s is another customer's, not %s", token, customer)
        raise invalid
    waiting = _waits_for_microdeposits(intent)
    if intent.status != "succeeded" and not waiting:
        raise invalid
    method = client.v1.payment_methods.retrieve(id_of(intent.payment_method))
    account = method.us_bank_account
    # Stripe attaches the method to the customer only once it is verified.
    attached_to = customer if waiting else id_of(method.customer)
    if method.type != BANK_ACCOUNT or account is None or attached_to != customer:
        raise invalid
    return SavedBankAccount(
        token=method.id,
        bank_name=account.bank_name or "",
        last4=account.last4 or "",
        account_type="savings" if account.account_type == "savings" else "checking",
        verified=not waiting,
        verification_reference=intent.id if waiting else "",
    )


def bank_verify(
    client: stripe.StripeClient,
    *,
    token: str,
    verification_reference: str,
    customer: str,
    amounts: tuple[Decimal, Decimal],
    idempotency_key: str,
) -> bool:
    """The SetupIntent `verification_reference`, checked to be this
    customer's and this account's before a try is spent on it, verified with
    the amounts in cents. Verified already (on Stripe's own page, from its
    email): True without asking again."""
    cents = [_cents(amount) for amount in amounts]
    if None in cents:
        return False  # not a whole number of cents: it cannot match a deposit
    intent = _setup_intent_of(client, verification_reference, customer)
    method = id_of(intent.payment_method)  # none once Stripe gave up on the account
    if method and method != token:
        logger.warning("SetupIntent %s is not for method %s", intent.id, token)
        raise PaymentDeclined("token_invalid", str(words.BANK_NOT_VERIFIABLE))
    if intent.status == "succeeded":
        return True
    if not _waits_for_microdeposits(intent):
        raise PaymentDeclined("verification_failed", str(words.BANK_NOT_VERIFIABLE))
    try:
        verified = client.v1.setup_intents.verify_microdeposits(
            intent.id,
            {"amounts": [cent for cent in cents if cent is not None]},
            {"idempotency_key": idempotency_key},
        )
    except stripe.InvalidRequestError as refused:
        if refused.code == AMOUNTS_MISMATCH:
            return False
        logger.info("Stripe will not verify %s: %s", intent.id, refused.code)
        raise PaymentDeclined("verification_failed", _verify_refusal_words(refused.code)) from None
    return verified.status == "succeeded"


def _setup_intent_of(
    client: stripe.StripeClient, reference: str, customer: str
) -> stripe.SetupIntent:
    not_verifiable = PaymentDeclined("token_invalid", str(words.BANK_NOT_VERIFIABLE))
    if not reference.startswith("seti_"):
        raise not_verifiable
    try:
        intent = client.v1.setup_intents.retrieve(reference)
    except stripe.InvalidRequestError:
        raise not_verifiable from None
    if id_of(intent.customer) != customer:
        logger.warning("SetupIntent %s is another customer's, not %s", reference, customer)
        raise not_verifiable
    return intent


def _waits_for_microdeposits(intent: stripe.SetupIntent) -> bool:
    action = intent.next_action
    return (
        intent.status == "requires_action"
        and action is not None
        and action.type == "verify_with_microdeposits"
    )


def _cents(amount: Decimal) -> int | None:
    try:
        cents = words.minor_units(amount, "USD")
    except ValueError:
        return None
    return cents if cents > 0 else None


def _verify_refusal_words(code: str | None) -> str:
    if code == "payment_method_microdeposit_verification_attempts_exceeded":
        return str(words.BANK_TRIES_EXCEEDED)
    return str(words.BANK_NOT_VERIFIABLE)


def is_bank_account(error_or_method: object | None) -> bool:
    """Whether a PaymentMethod, or the one an intent's last error names, is a bank account."""
    method = getattr(error_or_method, "payment_method", error_or_method)
    return getattr(method, "type", None) == BANK_ACCOUNT
