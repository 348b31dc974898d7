"""A payment processor of our own, for the demo and the tests: it behaves like
the big processors' test modes. Its ledger (SandboxOperation) stands for the
processor's side of the world; Trellis' own tables never learn more than they
would from a real processor.

Test cards (any future expiry, any CVV of the right length):
| number              | brand      | what happens                          |
| 4242 4242 4242 4242 | Visa       | succeeds                              |
| 5555 5555 5555 4444 | Mastercard | succeeds                              |
| 3782 822463 10005   | Amex       | succeeds                              |
| 6011 1111 1111 1117 | Discover   | succeeds                              |
| 4000 0000 0000 0002 | Visa       | declined                              |
| 4000 0000 0000 9995 | Visa       | declined: insufficient funds          |
| 4000 0000 0000 0069 | Visa       | declined: expired card                |
| 4000 0000 0000 0127 | Visa       | declined: incorrect CVV               |
| 4000 0000 0000 0119 | Visa       | processing error                      |
| 4000 0000 0000 0259 | Visa       | charged, but the answer times out once |
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from trellis.billing.gateways.base import (
    CardDetails,
    Charge,
    GatewayUnavailable,
    PaymentDeclined,
    Refund,
    SavedCard,
)
from trellis.billing.models import SandboxOperation

BEHAVIOUR = {
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvv",
    "4000000000000119": "processing_error",
    "4000000000000259": "timeout_once",
}

DECLINES = {
    "declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvv": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
}

BRANDS = {"4": "visa", "5": "mastercard", "2": "mastercard", "3": "amex", "6": "discover"}


class SandboxGateway:
    name = "sandbox"
    script_origins: tuple[str, ...] = ()  # its card form is Trellis's own

    def tokenize(self, *, card: CardDetails, idempotency_key: str) -> SavedCard:
        def save() -> dict[str, Any]:
            behaviour = BEHAVIOUR.get(card.number, "ok")
            # The behaviour travels in the token, as a test-mode token would;
            # the number does not.
            token = f"sbx_{behaviour}_{secrets.token_hex(8)}"
            return {
                "token": token,
                "brand": BRANDS.get(card.number[:1], "visa"),
                "last4": card.number[-4:],
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
            }

        answer = self._once("tokenize", idempotency_key, save)
        return SavedCard(**answer)

    def charge(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge:
        behaviour = token[4:].rsplit("_", 1)[0] if token.startswith("sbx_") else "declined"
        if behaviour in DECLINES:
            raise PaymentDeclined(behaviour, DECLINES[behaviour])

        def charge() -> dict[str, Any]:
            return {"reference": f"ch_{secrets.token_hex(10)}", "amount": str(amount)}

        answer, first_time = self._once_with_flag("charge", idempotency_key, charge)
        if behaviour == "timeout_once" and first_time:
            raise GatewayUnavailable("The payment processor did not answer in time.")
        return Charge(reference=str(answer["reference"]), amount=Decimal(str(answer["amount"])))

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> Refund:
        def refund() -> dict[str, Any]:
            return {"reference": f"re_{secrets.token_hex(10)}", "amount": str(amount)}

        answer = self._once("refund", idempotency_key, refund)
        return Refund(reference=str(answer["reference"]), amount=Decimal(str(answer["amount"])))

    def _once(self, kind: str, key: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return self._once_with_flag(kind, key, make)[0]

    def _once_with_flag(
        self, kind: str, key: str, make: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """What the processor answered for this key before, or a new answer."""
        existing = SandboxOperation.objects.filter(kind=kind, idempotency_key=key).first()
        if existing is not None:
            return existing.response, False
        try:
            with transaction.atomic():
                operation = SandboxOperation.objects.create(
                    kind=kind, idempotency_key=key, response=make()
                )
        except IntegrityError:  # the same key, at the same moment, from elsewhere
            operation = SandboxOperation.objects.get(kind=kind, idempotency_key=key)
            return operation.response, False
        return operation.response, True
