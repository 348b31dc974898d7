"""The sandbox's clock: real time plus an offset that `clock_advance` grows.

A bank payment takes days to clear. A processor's test mode lets you skip
ahead (Stripe's test clocks); the sandbox keeps one clock for everything it
holds, in a single row, so a demo or a test can make four days pass at once.
Only the clearing of bank payments reads it: tokens and webhooks keep real
time, as they do at a processor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trellis.sandbox_processor.models import Clock

CLOCK_ID = 1


def sandbox_now() -> datetime:
    clock = Clock.objects.filter(pk=CLOCK_ID).first()
    return timezone.now() + (clock.offset if clock is not None else timedelta())


def clock_move(by: timedelta) -> datetime:
    """Move the clock on by `by` (never back: a settled payment stays settled);
    the sandbox's time now."""
    if by < timedelta():
        raise ValueError("The sandbox's clock only moves forward.")
    with transaction.atomic():
        Clock.objects.get_or_create(pk=CLOCK_ID)
        Clock.objects.filter(pk=CLOCK_ID).update(offset=F("offset") + by)
    return sandbox_now()
