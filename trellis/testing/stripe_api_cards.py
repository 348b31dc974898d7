"""Stripe's test payment methods, as the local stand-in for its API knows them
(trellis/testing/stripe_api_world.py): named as Stripe names them, each with
what happens when it is charged.

Saving any of them succeeds (as Stripe's 4000 0000 0000 0341 does); the
decline, or the bank's 3-D Secure prompt, comes when the card is charged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a pytest class, though its name says Test

    brand: str
    last4: str
    decline_code: str = ""  # the charge is declined with this decline_code
    error_code: str = "card_declined"
    authentication: bool = False  # the bank asks the customer to confirm (3-D Secure)


TEST_CARDS = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_amex": TestCard("amex", "8431"),
    "pm_card_discover": TestCard("discover", "1117"),
    "pm_card_unionpay": TestCard("unionpay", "0005"),
    "pm_card_jcb": TestCard("jcb", "0000"),
    "pm_card_chargeDeclined": TestCard("visa", "0002", decline_code="generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard(
        "visa", "9995", decline_code="insufficient_funds"
    ),
    "pm_card_chargeDeclinedExpiredCard": TestCard(
        "visa", "0069", decline_code="expired_card", error_code="expired_card"
    ),
    "pm_card_chargeDeclinedIncorrectCvc": TestCard(
        "visa", "0127", decline_code="incorrect_cvc", error_code="incorrect_cvc"
    ),
    "pm_card_authenticationRequired": TestCard("visa", "3184", authentication=True),
}

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
}
