"""A processor whose web process dies at the worst moment: right after the
sandbox charged the card, before Trellis could record it (the kill test of
trellis/billing/tests/test_payment_killed_mid_charge.py runs Trellis with
PAYMENT_GATEWAY=trellis.testing.dying_gateway.DyingAfterChargeGateway).

Only for tests: it kills the process it runs in."""

from __future__ import annotations

import os
import signal
from decimal import Decimal

from trellis.billing.gateways.base import Charge
from trellis.billing.gateways.sandbox import SandboxGateway


class DyingAfterChargeGateway(SandboxGateway):
    def charge(
        self,
        *,
        token: str,
        customer: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        customer_present: bool,
        return_url: str,
    ) -> Charge:
        super().charge(
            token=token,
            customer=customer,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            customer_present=customer_present,
            return_url=return_url,
        )
        # SIGKILL: no handler, no cleanup, no response; as the OOM killer or a
        # machine losing power would end it.
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable: the process is gone")
