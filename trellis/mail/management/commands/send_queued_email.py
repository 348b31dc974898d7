"""`trellis send_queued_email`: send the queued email that is due, once or as a worker."""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from trellis.autopay.charging import autopay_run
from trellis.billing.payments import payment_notices_due
from trellis.billing.reconciliation import payments_reconcile
from trellis.bulk_charging.services import items_unfinished_charge
from trellis.inbox.services import inbox_sweep
from trellis.mail.delivery import DueRun, email_deliver_due
from trellis.sandbox_processor.events import sandbox_events_deliver_due

logger = logging.getLogger(__name__)

AUTOPAY_EVERY = 3600.0  # seconds between two autopay runs of a looping sweeper


class Command(BaseCommand):
    help = (
        "Send the queued email that is due: retries after failed attempts, and email "
        "whose delivery task was lost; make the receipts and inbox items of payments "
        "whose task was lost; deliver the sandbox processor's webhooks that failed (when "
        "it is enabled); settle the portal payments left pending from what the "
        "payment processor says (as `trellis payments_reconcile` does); and bring up in "
        "the office's inbox the payments still pending and invitations not accepted. "
        "With --loop, it also runs autopay (`trellis autopay_run`) once an hour. "
        "With --loop, keep doing it every --interval seconds. Prints a line for the email "
        "(once: always; --loop: when some was due) and, when a payment was settled or "
        "newly listed, the line `trellis payments_reconcile` prints."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="keep running, as a worker process, until stopped"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="with --loop: seconds between two sweeps (default 30)",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="at most this many emails per sweep"
        )

    def handle(self, *args: Any, loop: bool, interval: float, limit: int, **options: Any) -> None:
        if not loop:
            self.report(email_deliver_due(limit=limit), quiet_when_idle=False)
            self.reconcile()
            inbox_sweep()
            payment_notices_due()
            return

        # A stop signal ends the loop between two sweeps, never mid-send: an
        # email interrupted while sending could not be retried automatically.
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        autopay_last: float | None = None
        self.stdout.write(f"Sending queued email every {interval:g}s; stop with Ctrl-C or SIGTERM.")
        try:
            while not stopping.is_set():
                close_old_connections()  # a long-lived process outlives its connections
                run = email_deliver_due(limit=limit)
                # Before the inbox sweep: a payment the processor settled is
                # recorded, not listed for staff as pending.
                self.reconcile()
                inbox_sweep()  # payments pending too long, invitations unanswered
                payment_notices_due()  # receipts whose task was lost
                self.bulk_charges_unfinished()
                if autopay_last is None or time.monotonic() - autopay_last >= AUTOPAY_EVERY:
                    self.autopay()
                    autopay_last = time.monotonic()
                self.report(run, quiet_when_idle=True)
                if run.total < limit:  # a full batch means more is due: go on at once
                    stopping.wait(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped.")

    def reconcile(self) -> None:
        """The sandbox's webhooks whose delivery failed, then the payments left
        pending: what a webhook settles is not asked about again."""
        try:
            if settings.SANDBOX_PROCESSOR_ENABLED:
                sandbox_events_deliver_due()
            reconciled = payments_reconcile()
        except Exception:
            # The processor's trouble must not stop the email: logged, and
            # asked again on the next sweep.
            logger.exception(
                "The sandbox's webhooks or the pending payments' reconciliation failed"
            )
            return
        if reconciled.succeeded or reconciled.failed or reconciled.listed:
            self.stdout.write(reconciled.summary())

    def bulk_charges_unfinished(self) -> None:
        """The items of staff's bulk charges whose worker was lost, charged
        again with the same keys (trellis.bulk_charging.services)."""
        try:
            items_unfinished_charge()
        except Exception:
            logger.exception("Charging the unfinished bulk charge items failed")

    def autopay(self) -> None:
        """Today's autopay notices and charges (each invoice at most once a
        day, so once an hour is plenty); a failure waits for the next hour."""
        try:
            run = autopay_run()
        except Exception:
            logger.exception("The autopay run failed")
            return
        if run.notices or run.charged or run.problems:
            self.stdout.write(run.summary())

    def report(self, run: DueRun, *, quiet_when_idle: bool) -> None:
        if run.total == 0 and quiet_when_idle:
            return
        self.stdout.write(
            f"{run.sent} sent, {run.retrying} to retry later, {run.failed} failed, "
            f"{run.interrupted} interrupted while sending (marked failed)"
        )
