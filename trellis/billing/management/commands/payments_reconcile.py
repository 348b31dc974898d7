"""`trellis payments_reconcile`: settle the portal payments left pending, from
what the processor says (trellis.billing.reconciliation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trellis.billing.reconciliation import RECONCILE_AFTER, payments_reconcile


class Command(BaseCommand):
    help = (
        "Ask the payment processor about every portal payment pending for more than "
        f"{RECONCILE_AFTER.total_seconds() / 60:g} minutes, by the idempotency key it was "
        "charged with: charged ones are recorded and their receipt sent; ones not charged "
        "are released and the payer emailed; the rest stay pending and are listed in the "
        "office's inbox. `trellis send_queued_email` does this on each sweep too. "
        "Prints one line: '<n> pending payments asked about: <s> recorded as paid, "
        "<f> released as not paid, <p> still pending (<l> newly listed for staff)'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=100, help="at most this many payments (default 100)"
        )

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        self.stdout.write(payments_reconcile(limit=limit).summary())
