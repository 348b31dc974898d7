"""The sandbox's test cards: what each number makes the processor do, as in the
big processors' test modes. Any future expiry and any CVV of the right length.

| number              | brand      | what happens                                  |
| 4242 4242 4242 4242 | Visa       | succeeds                                      |
| 5555 5555 5555 4444 | Mastercard | succeeds                                      |
| 3782 822463 10005   | Amex       | succeeds                                      |
| 6011 1111 1111 1117 | Discover   | succeeds                                      |
| 4000 0000 0000 0002 | Visa       | charge declined                               |
| 4000 0000 0000 9995 | Visa       | charge declined: insufficient funds           |
| 4000 0000 0000 0069 | Visa       | charge declined: expired card                 |
| 4000 0000 0000 0127 | Visa       | charge declined: incorrect CVV                |
| 4000 0000 0000 0119 | Visa       | charge fails: processing error                |
| 4000 0000 0000 0259 | Visa       | charged, but the answer times out once        |
| 4000 0027 6000 3184 | Visa       | the bank asks the customer to confirm (3-D S) |
| 4100 0000 0000 0019 | Visa       | refused when saved                            |

The number decides the behaviour when the card is tokenised; the processor
keeps the behaviour with the token and the saved card, never the number.

The test bank accounts (US, ACH), at routing number 110000000 (the Sandbox
Test Bank; any valid routing number works, named "Bank"), checking or savings.
A bank payment is "processing" for 4 days of the sandbox's clock (`trellis
sandbox_advance --days 4` moves it on), then clears or is returned. The two
verification deposits are always 0.32 and 0.45, in either order.

| account number | what happens                                                          |
| 000123456789   | verified by the two deposits; payments clear                          |
| 000000001234   | verified at once, no deposits; payments clear                         |
| 000222222227   | verified by the deposits; payments returned: insufficient funds (R01) |
| 000111111113   | verified by the deposits; payments returned: account closed (R02)     |
| 000333333335   | the deposits fail: it cannot be verified, whatever is entered         |

Any other account number of 4 to 17 digits behaves as 000123456789.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

OK = "ok"
TIMEOUT_ONCE = "timeout_once"
REQUIRES_ACTION = "requires_action"
REFUSED_WHEN_SAVED = "refused_when_saved"

BEHAVIOURS = {
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvv",
    "4000000000000119": "processing_error",
    "4000000000000259": TIMEOUT_ONCE,
    "4000002760003184": REQUIRES_ACTION,
    "4100000000000019": REFUSED_WHEN_SAVED,
}

# Why a charge or a card was refused, by code, in the customer's words.
# Marked here and translated when shown, in the language of whoever reads it.
REASONS = {
    "declined": gettext_noop("Your card was declined."),
    "insufficient_funds": gettext_noop("Your card has insufficient funds."),
    "expired_card": gettext_noop("Your card has expired."),
    "incorrect_cvv": gettext_noop("Your card's security code is incorrect."),
    "processing_error": gettext_noop(
        "An error occurred while processing your card. Try again in a little bit."
    ),
    "authentication_required": gettext_noop(
        "Your bank needs you to confirm this payment. Pay it yourself from the invoice page."
    ),
    "authentication_abandoned": gettext_noop(
        "The payment was not confirmed with your bank in time. You have not been charged."
    ),
    "authentication_failed": gettext_noop(
        "Your bank could not confirm this payment. Try again or use another card."
    ),
    "token_invalid": gettext_noop("Your card details have expired. Enter them again."),
    "card_invalid": gettext_noop("This card can no longer be used. Add it again or use another."),
    "refund_too_large": gettext_noop("The refund is more than what is left of this payment."),
    "not_refundable": gettext_noop("Only a payment that went through can be refunded."),
    "ach_insufficient_funds": gettext_noop("Your bank returned the payment: insufficient funds."),
    "ach_account_closed": gettext_noop("Your bank returned the payment: the account is closed."),
    "verification_failed": gettext_noop(
        "We could not verify this bank account. Add it again or use another method."
    ),
    "account_not_verified": gettext_noop(
        "This bank account is not verified yet. Confirm the two small deposits first."
    ),
    "bank_token_invalid": gettext_noop("Your bank account details have expired. Enter them again."),
    "bank_account_invalid": gettext_noop(
        "This bank account can no longer be used. Add it again or use another method."
    ),
}
# The behaviours that decline a charge: the code is the behaviour's name.
CHARGE_DECLINES = frozenset(
    ("declined", "insufficient_funds", "expired_card", "incorrect_cvv", "processing_error")
)


# Bank accounts, by account number.
VERIFIED_INSTANTLY = "verified_instantly"
VERIFICATION_FAILS = "verification_fails"
ACH_RETURNS = {"ach_insufficient_funds": "R01", "ach_account_closed": "R02"}
BANK_BEHAVIOURS = {
    "000000001234": VERIFIED_INSTANTLY,
    "000222222227": "ach_insufficient_funds",
    "000111111113": "ach_account_closed",
    "000333333335": VERIFICATION_FAILS,
}
# The two verification deposits every account gets, in dollars.
MICRO_DEPOSITS = ("0.32", "0.45")


def behaviour_of(number: str) -> str:
    return BEHAVIOURS.get(number, OK)


def reason(code: str) -> str:
    """The message for a refusal code, in the active language."""
    return gettext(REASONS.get(code, REASONS["declined"]))


def bank_behaviour_of(account_number: str) -> str:
    return BANK_BEHAVIOURS.get(account_number, OK)
