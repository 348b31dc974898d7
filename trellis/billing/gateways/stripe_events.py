"""Stripe's webhook events in Trellis's terms (GatewayEvent).

The signature is Stripe's own check (stripe.Webhook.construct_event: the
Stripe-Signature header's HMAC with the endpoint's secret, and a timestamp no
older than five minutes, so a recorded event cannot be replayed later).

Events to enable on the endpoint: payment_intent.succeeded,
payment_intent.payment_failed, payment_intent.canceled, refund.created,
refund.updated (charge.refunded is read too). A bank payment (ACH) sends
payment_intent.processing first, which changes nothing (Trellis knew it from
the charge's answer), then succeeded when it clears, or payment_failed when
the bank returns it. One refund can arrive as several
events (refund.created, refund.updated, charge.refunded), each with its own
event id: they carry the same refund `reference`, which is what makes them one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import stripe

from trellis.billing.gateways import stripe_words as words
from trellis.billing.gateways.base import GatewayEvent, InvalidSignature

# The metadata holding Trellis's idempotency keys (set by StripeGateway.charge and .refund).
PAYMENT_KEY = "trellis_payment"
REFUND_KEY = "trellis_refund"


def event_from_webhook(
    *, body: bytes, headers: Mapping[str, str], secret: str, api_key: str
) -> GatewayEvent:
    """The verified event of a webhook request; InvalidSignature if the
    signature does not verify, is stale, or the body is not an event."""
    signature = next(
        (value for name, value in headers.items() if name.lower() == "stripe-signature"), None
    )
    try:
        stripe.Webhook.construct_event(body, signature, secret, api_key=api_key)
        event = json.loads(body)
        return _mapped(str(event["id"]), str(event["type"]), event["data"]["object"])
    except stripe.SignatureVerificationError as error:
        raise InvalidSignature(str(error)) from None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise InvalidSignature(f"Not a Stripe event: {type(error).__name__}") from None


def _mapped(event_id: str, kind: str, obj: dict[str, Any]) -> GatewayEvent:
    if kind == "payment_intent.succeeded":
        return GatewayEvent(
            id=event_id,
            kind="charge.succeeded",
            payment_key=_metadata(obj, PAYMENT_KEY),
            reference=str(obj["id"]),
            amount=words.major_units(int(obj["amount_received"]), str(obj["currency"])),
        )
    if kind in ("payment_intent.payment_failed", "payment_intent.canceled"):
        error = obj.get("last_payment_error") or {}
        if kind == "payment_intent.canceled":
            message = str(words.PAYMENT_CANCELED)
        elif (error.get("payment_method") or {}).get("type") == "us_bank_account":
            # A bank's return of an ACH debit, days after it was "processing".
            message = words.bank_return_words(error.get("code"))
        else:
            message = words.decline_words(error.get("decline_code"), error.get("code"))
        return GatewayEvent(
            id=event_id,
            kind="charge.failed",
            payment_key=_metadata(obj, PAYMENT_KEY),
            reference=str(obj["id"]),
            message=str(message),
        )
    if kind in ("refund.created", "refund.updated") and obj.get("status") == "succeeded":
        return _refund_event(event_id, obj)
    if kind == "charge.refunded":
        # The charge lists its refunds newest first (older API versions send
        # them; newer ones leave them out, and refund.* events tell instead).
        refunds = (obj.get("refunds") or {}).get("data") or []
        succeeded = [refund for refund in refunds if refund.get("status") == "succeeded"]
        if succeeded:
            return _refund_event(event_id, succeeded[0])
    return GatewayEvent(id=event_id, kind="ignored")


def _refund_event(event_id: str, refund: dict[str, Any]) -> GatewayEvent:
    return GatewayEvent(
        id=event_id,
        kind="refund.succeeded",
        reference=str(refund["id"]),
        charge_reference=str(refund.get("payment_intent") or ""),
        refund_key=_metadata(refund, REFUND_KEY),
        amount=words.major_units(int(refund["amount"]), str(refund["currency"])),
    )


def _metadata(obj: dict[str, Any], key: str) -> str:
    return str((obj.get("metadata") or {}).get(key) or "")
