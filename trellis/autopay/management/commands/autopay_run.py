"""`trellis autopay_run`: email today's autopay notices and charge the
invoices due to be charged (trellis.autopay.charging). Safe to run at any
time and beside another run: each invoice is charged at most once a day, at
most three times. `trellis send_queued_email --loop` runs it once an hour."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trellis.autopay.charging import autopay_run


class Command(BaseCommand):
    help = "Email today's autopay notices and charge the invoices of properties on autopay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Run as on this day (YYYY-MM-DD), to catch up a day the worker missed.",
        )

    def handle(self, *args: Any, today: date | None, **options: Any) -> None:
        self.stdout.write(autopay_run(today=today).summary())
