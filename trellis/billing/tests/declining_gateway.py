"""Processors that misbehave in ways the sandbox's test cards do not cover.

DecliningGateway refuses every card when it is saved, as a real processor does
when its check of a new card fails (the sandbox refuses only its card
4100 0000 0000 0019 then). UnreachableGateway cannot be reached to show its
card field, as when the processor is down.
"""

from __future__ import annotations

from trellis.billing.gateways.base import CardEntry, GatewayUnavailable, PaymentDeclined, SavedCard
from trellis.billing.gateways.sandbox import SandboxGateway

PATH = "trellis.billing.tests.declining_gateway.DecliningGateway"
UNREACHABLE_PATH = "trellis.billing.tests.declining_gateway.UnreachableGateway"
REASON = "Your card was declined."


class DecliningGateway(SandboxGateway):
    def card_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedCard:
        raise PaymentDeclined("declined", REASON)


class UnreachableGateway(SandboxGateway):
    def card_entry(self, *, customer: str, language: str) -> CardEntry:
        raise GatewayUnavailable("The payment processor did not answer.")
