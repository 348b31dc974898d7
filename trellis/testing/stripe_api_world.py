"""What the local stand-in for Stripe's API knows and does (trellis/testing/stripe_api.py
serves it over HTTP): customers, SetupIntents, PaymentMethods, PaymentIntents,
charges and refunds, as objects shaped as Stripe documents them.

Test payment methods are Stripe's (pm_card_visa, …: trellis/testing/stripe_api_cards.py);
US bank accounts are trellis/testing/stripe_api_banks.py's (imported where
used here: it imports this module).
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from trellis.testing.stripe_api_cards import DECLINE_MESSAGES, TEST_CARDS, TestCard

API_VERSION = "2026-10-28.endive"  # what stripe 16 speaks
SEARCH_QUERY = re.compile(r"^metadata\['([^'\\]+)'\]:'((?:[^'\\]|\\.)*)'$")


class ApiError(Exception):
    """An error answer, with the body Stripe gives it ({"error": {...}})."""

    def __init__(
        self, status: int, type_: str, message: str, *, took_effect: bool = False, **fields: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        # An error of a request that did something (a try of micro-deposit
        # amounts counted): its answer is kept for its Idempotency-Key.
        self.took_effect = took_effect
        self.error = {"type": type_, "message": message, **fields}


def missing(kind: str, id_: str, param: str) -> ApiError:
    return ApiError(
        404,
        "invalid_request_error",
        f"No such {kind}: '{id_}'",
        code="resource_missing",
        param=param,
    )


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it: the stand-in's own notes (keys with _) left out."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def as_int(value: Any, param: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ApiError(
            400, "invalid_request_error", f"Invalid integer: {value}", param=param
        ) from None


def refuse_old_parameters(body: dict[str, Any]) -> None:
    """The API version the library speaks no longer takes payment_method_types."""
    if "payment_method_types" in body:
        raise ApiError(
            400,
            "invalid_request_error",
            "payment_method_types is no longer supported; use allowed_payment_method_types.",
            code="payment_method_types_no_longer_supported",
            param="payment_method_types",
        )


def as_bool(value: Any) -> bool:
    return str(value).lower() == "true"


class StripeWorld:
    """Stripe's side of the world. Not thread-safe by itself: the server calls
    it under one lock."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        # Tries of micro-deposit amounts before Stripe gives up (3 for amounts).
        self.microdeposit_attempts = 3

    def _get(self, id_: str, kind: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(id_)
        if obj is None or obj["object"] != kind:
            raise missing(kind, id_, param)
        return obj

    def _base(self, prefix: str, kind: str) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": new_id(prefix),
            "object": kind,
            "created": int(time.time()),
            "livemode": False,
        }
        self.objects[obj["id"]] = obj
        return obj

    # Customers

    def customer_create(self, body: dict[str, Any]) -> dict[str, Any]:
        customer = self._base("cus", "customer")
        customer.update(
            name=body.get("name"), email=body.get("email"), metadata=body.get("metadata", {})
        )
        return public(customer)

    # SetupIntents and PaymentMethods

    def setup_intent_create(self, body: dict[str, Any]) -> dict[str, Any]:
        refuse_old_parameters(body)
        customer = body.get("customer", "")
        self._get(customer, "customer", "customer")
        intent = self._base("seti", "setup_intent")
        intent.update(
            client_secret=f"{intent['id']}_secret_{secrets.token_hex(12)}",
            customer=customer,
            usage=body.get("usage", "off_session"),
            payment_method_types=body.get("allowed_payment_method_types", ["card"]),
            payment_method_options=body.get("payment_method_options", {}),
            mandate=None,
            status="requires_payment_method",
            payment_method=None,
            last_setup_error=None,
            next_action=None,
            metadata=body.get("metadata", {}),
        )
        return public(intent)

    def setup_intent(self, id_: str) -> dict[str, Any]:
        return public(self._get(id_, "setup_intent"))

    def setup_intent_confirm(self, id_: str, card: str) -> str:
        """What Stripe.js's confirmSetup does with the card typed: a new
        PaymentMethod, attached to the SetupIntent's customer."""
        intent = self._get(id_, "setup_intent")
        if intent["status"] == "succeeded":
            raise ApiError(400, "invalid_request_error", "This SetupIntent has already succeeded.")
        method = self._payment_method_from(card, customer=intent["customer"])
        intent.update(status="succeeded", payment_method=method["id"])
        return str(method["id"])

    def _payment_method_from(self, card: str, *, customer: str | None) -> dict[str, Any]:
        test_card = TEST_CARDS[card]
        method = self._base("pm", "payment_method")
        method.update(
            type="card",
            customer=customer,
            billing_details={"name": None, "email": None, "address": {"postal_code": None}},
            card={
                "brand": test_card.brand,
                "display_brand": test_card.brand,
                "last4": test_card.last4,
                "exp_month": 12,
                "exp_year": int(time.strftime("%Y")) + 3,
                "country": "US",
                "funding": "credit",
            },
            metadata={},
            _test_card=card,
        )
        return method

    def payment_method(self, id_: str) -> dict[str, Any]:
        if id_ in TEST_CARDS:  # Stripe's test shortcuts read as a card of no customer
            shortcut = self._payment_method_from(id_, customer=None)
            del self.objects[shortcut["id"]]
            return public(shortcut)
        return public(self._get(id_, "payment_method"))

    # PaymentIntents

    def payment_intent_create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refuse_old_parameters(body)
        amount = as_int(body.get("amount", ""), "amount")
        if amount < 1:
            raise ApiError(
                400, "invalid_request_error", "Amount must be at least 1.", param="amount"
            )
        currency = str(body.get("currency", ""))
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise ApiError(400, "invalid_request_error", "Invalid currency.", param="currency")
        customer = str(body.get("customer", ""))
        self._get(customer, "customer", "customer")
        confirm, off_session = as_bool(body.get("confirm")), as_bool(body.get("off_session"))
        if off_session and not confirm:
            raise ApiError(
                400,
                "invalid_request_error",
                "off_session can only be used when confirm=true.",
                param="off_session",
            )
        method_types = body.get("allowed_payment_method_types")
        if confirm and not off_session and not method_types and not body.get("return_url"):
            raise ApiError(
                400,
                "invalid_request_error",
                "This PaymentIntent is configured to accept payment methods enabled in your "
                "Dashboard; confirming it needs a return_url.",
                param="return_url",
            )
        from trellis.testing import stripe_api_banks as banks

        bank_account = banks.bank_method_to_charge(self, body)
        payment_method = str(body.get("payment_method", ""))
        test_card = None if bank_account else self._card_to_charge(payment_method, customer)
        intent = self._base("pi", "payment_intent")
        intent.update(
            amount=amount,
            amount_received=0,
            currency=currency,
            customer=customer,
            payment_method=body.get("payment_method"),
            payment_method_types=method_types or ["card"],
            capture_method="automatic",
            confirmation_method="automatic",
            client_secret=f"{intent['id']}_secret_{secrets.token_hex(12)}",
            metadata=body.get("metadata", {}),
            status="requires_confirmation",
            next_action=None,
            last_payment_error=None,
            latest_charge=None,
            canceled_at=None,
            cancellation_reason=None,
        )
        if not confirm:
            return 200, public(intent)
        if test_card is None:
            assert bank_account is not None  # noqa: S101
            banks.bank_payment_start(intent, bank_account)
            return 200, public(intent)
        if test_card.decline_code or (test_card.authentication and off_session):
            code = test_card.error_code if test_card.decline_code else "authentication_required"
            decline = test_card.decline_code or "authentication_required"
            message = DECLINE_MESSAGES.get(decline, DECLINE_MESSAGES["generic_decline"])
            error = {
                "type": "card_error",
                "code": code,
                "decline_code": decline,
                "message": message,
                "doc_url": f"https://docs.stripe.com/error-codes/{code}",
            }
            intent.update(status="requires_payment_method", last_payment_error=error)
            raise ApiError(
                402,
                "card_error",
                message,
                code=code,
                decline_code=decline,
                doc_url=error["doc_url"],
                payment_intent=public(intent),
            )
        if test_card.authentication:
            intent.update(
                status="requires_action",
                next_action={
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": ""},
                },
            )
            return 200, public(intent)
        self._succeed(intent)
        return 200, public(intent)

    def _card_to_charge(self, payment_method: str, customer: str) -> TestCard:
        if payment_method in TEST_CARDS:  # Stripe's test shortcuts work for any customer
            return TEST_CARDS[payment_method]
        method = self._get(payment_method, "payment_method", "payment_method")
        if method["customer"] != customer:
            raise ApiError(
                400,
                "invalid_request_error",
                "The provided PaymentMethod is not attached to this Customer.",
                code="payment_method_invalid_parameter",
                param="payment_method",
            )
        return TEST_CARDS[method["_test_card"]]

    def _succeed(self, intent: dict[str, Any]) -> None:
        charge = self._base("ch", "charge")
        charge.update(
            amount=intent["amount"],
            amount_refunded=0,
            currency=intent["currency"],
            payment_intent=intent["id"],
            refunded=False,
            status="succeeded",
            paid=True,
            metadata=intent["metadata"],
        )
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            next_action=None,
        )

    def payment_intent(self, id_: str) -> dict[str, Any]:
        return public(self._get(id_, "payment_intent"))

    def payment_intent_action_end(self, id_: str, *, succeed: bool) -> dict[str, Any]:
        """What the customer's answer to their bank's prompt does."""
        intent = self._get(id_, "payment_intent")
        if intent["status"] != "requires_action":
            raise ValueError(f"{id_} is {intent['status']}, not requires_action")
        if succeed:
            self._succeed(intent)
        else:
            intent.update(
                status="requires_payment_method",
                next_action=None,
                last_payment_error={
                    "type": "invalid_request_error",
                    "code": "payment_intent_authentication_failure",
                    "message": "The provided PaymentMethod has failed authentication.",
                },
            )
        return public(intent)

    def payment_intent_cancel(self, id_: str, body: dict[str, Any]) -> dict[str, Any]:
        """Stripe cancels a PaymentIntent not finished yet; one that succeeded
        or was canceled already answers 400 payment_intent_unexpected_state."""
        intent = self._get(id_, "payment_intent")
        if intent["status"] in ("succeeded", "canceled"):
            raise ApiError(
                400,
                "invalid_request_error",
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled",
            next_action=None,
            canceled_at=int(time.time()),
            cancellation_reason=body.get("cancellation_reason") or None,
        )
        return public(intent)

    def payment_intent_search(self, query: str) -> dict[str, Any]:
        match = SEARCH_QUERY.match(query.strip())
        if match is None:
            raise ApiError(
                400, "invalid_request_error", f"Invalid search query: {query}", param="query"
            )
        key, value = match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))
        found = [
            public(obj)
            for obj in self.objects.values()
            if obj["object"] == "payment_intent" and obj["metadata"].get(key) == value
        ]
        return {
            "object": "search_result",
            "data": found,
            "has_more": False,
            "next_page": None,
            "url": "/v1/payment_intents/search",
        }

    # Refunds

    def refund_create(self, body: dict[str, Any]) -> dict[str, Any]:
        intent = self._get(str(body.get("payment_intent", "")), "payment_intent", "payment_intent")
        if intent["status"] != "succeeded":
            raise ApiError(
                400,
                "invalid_request_error",
                "This PaymentIntent does not have a successful charge to refund.",
                param="payment_intent",
            )
        charge = self.objects[intent["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        if left == 0:
            raise ApiError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = as_int(body["amount"], "amount") if "amount" in body else left
        if amount > left:
            raise ApiError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                code="amount_too_large",
                param="amount",
            )
        refund = self._base("re", "refund")
        refund.update(
            amount=amount,
            currency=intent["currency"],
            charge=charge["id"],
            payment_intent=intent["id"],
            status="succeeded",
            reason=body.get("reason"),
            metadata=body.get("metadata", {}),
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return public(refund)

    def charge(self, id_: str) -> dict[str, Any]:
        """A charge, with its refunds listed (newest first) as a webhook shows them."""
        charge = self._get(id_, "charge")
        refunds = [
            public(obj)
            for obj in reversed(self.objects.values())
            if obj["object"] == "refund" and obj["charge"] == id_
        ]
        return {
            **public(charge),
            "refunds": {"object": "list", "data": refunds, "has_more": False},
        }

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "type": type_,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }
