"""Processors as the lookup tests need them, at the edge of the outside world:
one that does not answer, one whose answers arrive together."""

from __future__ import annotations

import threading
from typing import Any

from trellis.billing.gateways.base import ChargeLookup, GatewayUnavailable
from trellis.billing.gateways.sandbox import SandboxGateway


class UnreachableGateway(SandboxGateway):
    """Every request times out before it reaches the processor (the network is
    down): nothing is charged, nothing looked up."""

    def charge(self, **kwargs: Any) -> Any:
        raise GatewayUnavailable("The payment processor did not answer in time.")

    def charge_lookup(self, *, idempotency_key: str, reference: str = "") -> ChargeLookup:
        raise GatewayUnavailable("The payment processor did not answer in time.")


class AnswersTogetherGateway(SandboxGateway):
    """The sandbox, whose lookups all wait for each other before answering: two
    requests asking at once both hear the answer before either records it."""

    barrier = threading.Barrier(2, timeout=10)

    def charge_lookup(self, *, idempotency_key: str, reference: str = "") -> ChargeLookup:
        lookup = super().charge_lookup(idempotency_key=idempotency_key, reference=reference)
        self.barrier.wait()
        return lookup
