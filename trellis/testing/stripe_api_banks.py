"""US bank accounts (ACH Direct Debit) in the local stand-in for Stripe's API
(trellis/testing/stripe_api_world.py calls these; trellis/testing/stripe_api.py
gives the tests their helpers).

What Stripe documents, kept: a SetupIntent for `us_bank_account` that the
browser confirms with an account typed by hand waits in requires_action
(next_action verify_with_microdeposits, amounts) until the two deposits'
amounts are verified: 32 and 45 cents in test mode. Wrong amounts are a 400
(payment_method_microdeposit_verification_amounts_mismatch) until the tries
run out (three for amounts: ..._attempts_exceeded, and the SetupIntent wants a
new method). Only a verified SetupIntent attaches its PaymentMethod to the
customer and gets a mandate. A PaymentIntent on the account is "processing"
until the test settles it; Stripe's test account numbers say how it ends.

Left out: Financial Connections (instant verification), descriptor codes and
the ten-day expiry of the deposits; the charge object appears when the
payment clears (Stripe makes it pending at once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trellis.testing.stripe_api_world import ApiError, new_id, public

if TYPE_CHECKING:
    from trellis.testing.stripe_api_world import StripeWorld

BANK_ACCOUNT = "us_bank_account"
TEST_ROUTING_NUMBER = "110000000"
TEST_DEPOSITS = [32, 45]  # the amounts that verify any test account, in cents
AMOUNT_ATTEMPTS = 3  # Stripe's limit for amount micro-deposits


@dataclass(frozen=True)
class TestBankAccount:
    __test__ = False  # not a pytest class, though its name says Test

    failure_code: str = ""  # the bank returns each debit with this code ("": it clears)
    message: str = ""


# Stripe's test account numbers (routing number 110000000).
TEST_BANK_ACCOUNTS = {
    "000123456789": TestBankAccount(),
    "000111111116": TestBankAccount(
        "no_account", "The customer's bank account could not be located."
    ),
    "000111111113": TestBankAccount(
        "account_closed", "The customer's bank account has been closed."
    ),
    "000222222227": TestBankAccount(
        "insufficient_funds", "The customer's account has insufficient funds to cover this payment."
    ),
    "000333333335": TestBankAccount(
        "debit_not_authorized",
        "The customer has notified their bank that this payment was unauthorized.",
    ),
}


def invalid(
    message: str, *, code: str = "", param: str = "", took_effect: bool = False
) -> ApiError:
    fields = {key: value for key, value in (("code", code), ("param", param)) if value}
    return ApiError(400, "invalid_request_error", message, took_effect=took_effect, **fields)


def setup_intent_bank_confirm(world: StripeWorld, intent: dict[str, Any], account: str) -> str:
    """What collectBankAccountForSetup and confirmUsBankAccountSetup do with
    an account typed into Stripe's dialog: a PaymentMethod (of no customer
    yet) and two deposits on their way."""
    if BANK_ACCOUNT not in intent["payment_method_types"]:
        raise ValueError(f"{intent['id']} does not allow {BANK_ACCOUNT}")
    if intent["status"] != "requires_payment_method":
        raise ValueError(f"{intent['id']} is {intent['status']}")
    if account not in TEST_BANK_ACCOUNTS:
        raise ValueError(f"{account} is not one of Stripe's test account numbers")
    method = world._base("pm", "payment_method")
    method.update(
        type=BANK_ACCOUNT,
        customer=None,
        billing_details={"name": "Maria Lopez", "email": None, "address": {"postal_code": None}},
        us_bank_account={
            "account_holder_type": "individual",
            "account_type": "checking",
            "bank_name": "STRIPE TEST BANK",
            "financial_connections_account": None,
            "fingerprint": new_id("fp"),
            "last4": account[-4:],
            "networks": {"preferred": "ach", "supported": ["ach"]},
            "routing_number": TEST_ROUTING_NUMBER,
            "status_details": None,
        },
        metadata={},
        _test_bank_account=account,
    )
    intent.update(
        status="requires_action",
        payment_method=method["id"],
        next_action={
            "type": "verify_with_microdeposits",
            "verify_with_microdeposits": {
                "arrival_date": int(time.time()) + 2 * 86400,
                "hosted_verification_url": f"https://payments.stripe.com/microdeposit/{new_id('sacs')}",
                "microdeposit_type": "amounts",
            },
        },
        _attempts=0,
    )
    return str(method["id"])


def setup_intent_verify(world: StripeWorld, id_: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/setup_intents/{id}/verify_microdeposits."""
    intent = world._get(id_, "setup_intent")
    action = intent.get("next_action") or {}
    if intent["status"] != "requires_action" or action.get("type") != "verify_with_microdeposits":
        raise invalid(
            f"This SetupIntent's status is {intent['status']}: it has no microdeposits to verify.",
            code="setup_intent_unexpected_state",
        )
    if "descriptor_code" in body:
        raise invalid(
            "This SetupIntent's microdeposits are amounts: verify them with amounts.",
            param="descriptor_code",
        )
    amounts = body.get("amounts")
    if (
        not isinstance(amounts, list)
        or len(amounts) != 2
        or not all(str(amount).isdigit() for amount in amounts)
    ):
        raise invalid("amounts must be two positive integers, in cents.", param="amounts")
    if [int(amount) for amount in amounts] == TEST_DEPOSITS:
        _verified(world, intent)
        return public(intent)
    intent["_attempts"] += 1
    left = world.microdeposit_attempts - intent["_attempts"]
    if left > 0:
        raise invalid(
            "The amounts provided do not match the amounts that were sent to the bank account. "
            f"You have {left} verification attempts remaining.",
            code="payment_method_microdeposit_verification_amounts_mismatch",
            took_effect=True,
        )
    message = "You have exceeded the number of allowed verification attempts."
    error = {
        "type": "invalid_request_error",
        "code": "payment_method_microdeposit_verification_attempts_exceeded",
        "message": message,
    }
    intent.update(status="requires_payment_method", next_action=None, last_setup_error=error)
    intent["payment_method"] = None
    raise invalid(message, code=error["code"], took_effect=True)


def _verified(world: StripeWorld, intent: dict[str, Any]) -> None:
    method = world._get(intent["payment_method"], "payment_method")
    method["customer"] = intent["customer"]
    mandate = world._base("mandate", "mandate")
    mandate.update(payment_method=method["id"], status="active", type="multi_use")
    intent.update(status="succeeded", next_action=None, mandate=mandate["id"])


def bank_method_to_charge(world: StripeWorld, body: dict[str, Any]) -> dict[str, Any] | None:
    """The bank account a PaymentIntent is asked to debit; None for a card.
    Stripe refuses a method whose type the PaymentIntent does not allow."""
    method = world.objects.get(str(body.get("payment_method", "")))
    kind = method["type"] if method and method["object"] == "payment_method" else "card"
    allowed = body.get("allowed_payment_method_types")
    if allowed and kind not in allowed:
        raise invalid(
            f"The PaymentMethod provided ({kind}) is not allowed for this PaymentIntent. "
            f"Attach a PaymentMethod of one of these types: {', '.join(allowed)}.",
            code="payment_intent_invalid_parameter",
            param="payment_method",
        )
    if method is None or kind != BANK_ACCOUNT:
        return None
    if method["customer"] != body.get("customer"):
        raise invalid(
            "The provided PaymentMethod is not attached to this Customer.",
            code="payment_method_invalid_parameter",
            param="payment_method",
        )
    if str(body.get("currency")) != "usd":
        raise invalid(
            "us_bank_account payments must be in usd.",
            code="payment_intent_invalid_parameter",
            param="currency",
        )
    return method


def bank_payment_start(intent: dict[str, Any], method: dict[str, Any]) -> None:
    """A debit submitted to the customer's bank: it clears or is returned later."""
    intent.update(status="processing", _test_bank_account=method["_test_bank_account"])


def bank_payment_settle(world: StripeWorld, id_: str, failure_code: str | None) -> str:
    """The debit clears, or the bank returns it (with the test account's code,
    or `failure_code`); the type of the event Stripe sends."""
    intent = world._get(id_, "payment_intent")
    if intent["status"] != "processing":
        raise ValueError(f"{id_} is {intent['status']}, not processing")
    account = TEST_BANK_ACCOUNTS[intent["_test_bank_account"]]
    code = failure_code or account.failure_code
    if not code:
        world._succeed(intent)
        return "payment_intent.succeeded"
    method = world._get(intent["payment_method"], "payment_method")
    intent.update(
        status="requires_payment_method",
        last_payment_error={
            "type": "card_error",
            "code": code,
            "message": account.message or "The customer's bank returned this payment.",
            "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
            "payment_method": public(method),
        },
    )
    return "payment_intent.payment_failed"
