"""`trellis sandbox_advance --days N`: let days pass at the sandbox processor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trellis.sandbox_processor.clock import sandbox_now
from trellis.sandbox_processor.events import sandbox_events_deliver_due
from trellis.sandbox_processor.processor_banks import clock_advance


class Command(BaseCommand):
    help = (
        "Move the sandbox processor's clock on by --days days, as its bank payments take "
        "four days to clear: settle the ones that cleared or were returned by then, and "
        "deliver the webhook events that are due. For the demo and staging only: refused "
        "unless SANDBOX_PROCESSOR_ENABLED."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, required=True, help="days to move on (0 or more)")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if not settings.SANDBOX_PROCESSOR_ENABLED:
            raise CommandError("The sandbox processor is off (SANDBOX_PROCESSOR_ENABLED).")
        if days < 0:
            raise CommandError("--days is 0 or more: the sandbox's clock only moves forward.")
        settled = clock_advance(days=days)
        delivered = sandbox_events_deliver_due()
        self.stdout.write(
            f"Sandbox clock moved on {days} day(s), to {sandbox_now():%Y-%m-%d %H:%M} UTC."
        )
        self.stdout.write(
            f"Bank payments settled: {settled.succeeded + delivered.cleared} cleared, "
            f"{settled.returned + delivered.returned} returned."
        )
        if settings.SANDBOX_WEBHOOKS_DELIVER:
            self.stdout.write(
                f"Webhook events: {delivered.delivered} delivered, {delivered.failed} to retry."
            )
        else:
            self.stdout.write("Webhook events are not delivered (SANDBOX_WEBHOOKS_DELIVER is off).")
