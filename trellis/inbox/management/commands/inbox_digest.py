"""`trellis inbox_digest`: the daily digest of the office's inbox; run it once a day (cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from trellis.inbox.notify import inbox_digest_send


class Command(BaseCommand):
    help = (
        "Email each staff member who chose the daily digest one email of the open inbox "
        "items added since their last digest. Run it once a day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = inbox_digest_send()
        self.stdout.write(f"{run.emails} digest email{'s' if run.emails != 1 else ''} queued")
