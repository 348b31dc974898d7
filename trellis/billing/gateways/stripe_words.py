"""Stripe's codes in Trellis's terms: the customer's words for a decline or a
bank's return, the card brands Trellis takes, and amounts in the currency's
smallest unit.

Stripe's own error messages are English only and sometimes technical, so the
customer reads ours. Codes that speak of fraud (lost, stolen, fraudulent,
pickup) get the plain "declined", as Stripe advises: telling a fraudster why
helps them.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DECLINED = _("Your card was declined.")
PROCESSING = _("An error occurred while processing your card. Try again in a little bit.")
LIMIT = _("Your card has reached its limit for now. Use another card or call your bank.")
NOT_SUPPORTED = _("Your card does not support this kind of payment. Use another card.")

DECLINE_WORDS: dict[str, Promise] = {
    "generic_decline": DECLINED,
    "card_declined": DECLINED,
    "do_not_honor": DECLINED,
    "lost_card": DECLINED,
    "stolen_card": DECLINED,
    "fraudulent": DECLINED,
    "pickup_card": DECLINED,
    "insufficient_funds": _("Your card has insufficient funds."),
    "expired_card": _("Your card has expired."),
    "incorrect_cvc": _("Your card's security code is incorrect."),
    "invalid_cvc": _("Your card's security code is incorrect."),
    "incorrect_number": _("Your card number is incorrect."),
    "invalid_number": _("Your card number is incorrect."),
    "invalid_expiry_month": _("Your card's expiration date is incorrect."),
    "invalid_expiry_year": _("Your card's expiration date is incorrect."),
    "processing_error": PROCESSING,
    "try_again_later": PROCESSING,
    "issuer_not_available": PROCESSING,
    "card_velocity_exceeded": LIMIT,
    "withdrawal_count_limit_exceeded": LIMIT,
    "currency_not_supported": NOT_SUPPORTED,
    "card_not_supported": NOT_SUPPORTED,
    "transaction_not_allowed": NOT_SUPPORTED,
    "authentication_required": _(
        "Your bank wants you to confirm this payment. Pay it from the invoice page, "
        "where your bank can ask you."
    ),
    "payment_intent_authentication_failure": _(
        "Your bank could not confirm this payment. Try again, or use another card."
    ),
    "setup_intent_authentication_failure": _(
        "Your bank could not confirm this card. Try again, or use another card."
    ),
}

CARD_NOT_SAVED = _("Your card could not be saved. Enter it again.")
CARD_NOT_USABLE = _("This card cannot be used for this payment. Choose another card or add one.")
BRAND_REFUSED = _(
    "We take Visa, Mastercard, American Express and Discover cards. Use one of those."
)
PAYMENT_CANCELED = _("The payment was canceled, and nothing was charged.")
REFUND_TOO_LARGE = _("The refund is more than what is left of this payment.")
REFUND_ALREADY = _("This payment has been refunded in full already.")
REFUND_REFUSED = _("The payment processor refused the refund.")

BANK_NOT_SAVED = _("Your bank account could not be added. Enter it again.")
BANK_NOT_USABLE = _(
    "This bank account cannot be used for this payment. Choose another payment method or add one."
)
BANK_TRIES_EXCEEDED = _(
    "The deposits' amounts were entered wrong too many times, so this bank account cannot be "
    "verified. Remove it and add it again, or use another payment method."
)
BANK_NOT_VERIFIABLE = _(
    "This bank account can no longer be verified. Remove it and add it again, or use another "
    "payment method."
)
BANK_RETURNED = _("Your bank returned the payment.")
BANK_ACCOUNT_CLOSED = _("Your bank returned the payment: the account is closed.")

# Why a bank returned an ACH debit (Stripe's codes for the NACHA return codes:
# R01 insufficient_funds, R02 account_closed, R03 no_account, R10/R29
# debit_not_authorized); any other return is told as "returned".
BANK_RETURN_WORDS: dict[str, Promise] = {
    "insufficient_funds": _("Your bank returned the payment: insufficient funds."),
    "account_closed": BANK_ACCOUNT_CLOSED,
    "no_account": BANK_ACCOUNT_CLOSED,
    "debit_not_authorized": _(
        "Your bank returned the payment: it was reported to them as not authorized."
    ),
}

# Stripe's bank account types (us_bank_account.account_type), as Trellis keeps them.
ACCOUNT_TYPES = {"checking": "checking", "savings": "savings"}

# Stripe's card brands Trellis keeps (PaymentMethod.Brand); others are refused.
BRANDS = {"visa": "visa", "mastercard": "mastercard", "amex": "amex", "discover": "discover"}


def decline_words(*codes: str | None) -> str:
    """The customer's words for the first code we know (decline_code before
    code), in the active language; "declined" when none is known."""
    for code in codes:
        if code and code in DECLINE_WORDS:
            return str(DECLINE_WORDS[code])
    return str(DECLINED)


def bank_return_words(code: str | None) -> str:
    """The customer's words for a bank's return of an ACH debit, in the active language."""
    return str(BANK_RETURN_WORDS.get(code or "", BANK_RETURNED))


# Stripe's own rules for an amount's smallest unit (docs: Supported currencies,
# zero-decimal and three-decimal currencies); every other currency has cents.
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def decimals_of(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def minor_units(amount: Decimal, currency: str) -> int:
    """`amount` in the currency's smallest unit, as Stripe takes it (cents for
    USD, yen for JPY). An amount finer than the currency allows is an error:
    rounding it would charge what no one asked for."""
    scaled = amount.scaleb(decimals_of(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency allows")
    return int(scaled)


def major_units(amount: int, currency: str) -> Decimal:
    """Stripe's amount in the smallest unit back as a Decimal of the currency."""
    precision = decimals_of(currency)
    return Decimal(amount).scaleb(-precision).quantize(Decimal(1).scaleb(-precision))
