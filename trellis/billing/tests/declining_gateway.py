"""A processor that refuses every card when it is saved, as a real processor
does when its check of a new card fails. (The sandbox saves its declining test
cards and declines them when they are charged.)"""

from __future__ import annotations

from trellis.billing.gateways.base import CardDetails, PaymentDeclined, SavedCard
from trellis.billing.gateways.sandbox import SandboxGateway

PATH = "trellis.billing.tests.declining_gateway.DecliningGateway"
REASON = "Your card was declined."


class DecliningGateway(SandboxGateway):
    name = "declining"

    def tokenize(self, *, card: CardDetails, idempotency_key: str) -> SavedCard:
        raise PaymentDeclined("declined", REASON)
