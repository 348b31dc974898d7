"""The sandbox's webhooks: every settled charge (a bank payment once it clears
or is returned) and every refund becomes an event, signed with
SANDBOX_WEBHOOK_SECRET and POSTed to SANDBOX_WEBHOOK_URL.

The event row is written in the same transaction as what it reports; delivery
is a task enqueued once that commits, and what fails is retried with backoff
by `sandbox_events_deliver_due()` (the periodic sweeper calls it). Delivery is
at least once: the merchant stores each event id once.

Signature: `Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
refused when older than five minutes, so a captured request cannot be replayed
later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trellis.sandbox_processor.models import Event

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 5 * 60
DELIVERY_TIMEOUT_SECONDS = 10
# Minutes to wait after the first, second, third… failed attempt; the last
# step repeats until MAX_ATTEMPTS (about two days with 12).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)
MAX_ATTEMPTS = 12
# A claimed delivery holds the event this long, so a sweep beside the task
# does not post it at the same moment.
CLAIM = dt.timedelta(minutes=2)


class SignatureInvalid(Exception):
    """The request was not signed by this processor just now."""


def event_record(*, type: str, data: dict[str, Any]) -> Event:
    """Record an event; it is delivered once the current transaction commits."""
    reference = "evt_" + secrets.token_hex(12)
    now = timezone.now()
    payload = {
        "id": reference,
        "object": "event",
        "type": type,
        "created": int(now.timestamp()),
        "data": {"object": data},
    }
    event = Event.objects.create(reference=reference, type=type, payload=payload, created_at=now)
    if settings.SANDBOX_WEBHOOKS_DELIVER:
        _enqueue_on_commit(event.pk)
    return event


def _enqueue_on_commit(event_id: int) -> None:
    # As trellis.mail.delivery.task_enqueue_on_commit: a queue that is down
    # must not undo the charge; the sweeper delivers the event later.
    from trellis.sandbox_processor.tasks import deliver_sandbox_event

    def enqueue() -> None:
        try:
            deliver_sandbox_event.enqueue(event_id=event_id)
        except Exception:
            logger.exception(
                "Could not enqueue sandbox event %s; the sweeper will send it", event_id
            )

    transaction.on_commit(enqueue)


def signature_header(body: bytes, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_hmac(t, body)}"


def _hmac(timestamp: int | str, body: bytes) -> str:
    secret = settings.SANDBOX_WEBHOOK_SECRET.encode()
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def event_body(event: Event) -> bytes:
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":")).encode()


def event_payload_signed(
    event: Event, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers the sandbox POSTs for `event`, signed now (or at
    `timestamp`, to test a stale signature)."""
    body = event_body(event)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(body, timestamp=timestamp),
    }
    return body, headers


def signature_verify(*, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The event a request carries, if this processor signed it in the last
    five minutes; SignatureInvalid otherwise."""
    header = next(
        (value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()),
        "",
    )
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    timestamps = parts.get("t", [])
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        raise SignatureInvalid("no timestamp")
    if abs(time.time() - int(timestamps[0])) > TOLERANCE_SECONDS:
        raise SignatureInvalid("stale")
    expected = _hmac(timestamps[0], body)
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureInvalid("mismatch")
    try:
        payload = json.loads(body)
    except ValueError:
        raise SignatureInvalid("not JSON") from None
    if not isinstance(payload, dict):
        raise SignatureInvalid("not an event")
    return payload


def event_deliver(*, event_id: int) -> bool:
    """POST the event if it is due and not yet delivered; whether it was
    accepted now. A failure schedules the next attempt."""
    now = timezone.now()
    claimed = Event.objects.filter(
        pk=event_id, delivered_at__isnull=True, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + CLAIM)
    if not claimed:
        return False
    event = Event.objects.get(pk=event_id)
    body, headers = event_payload_signed(event)
    url = settings.SANDBOX_WEBHOOK_URL
    try:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"SANDBOX_WEBHOOK_URL={url!r} is not an http(s) address")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only, checked above)
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read()
    except Exception as error:  # refused, timed out, or answered 4xx/5xx: retried
        _delivery_failed(event, error)
        return False
    Event.objects.filter(pk=event.pk).update(
        delivered_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return True


def _delivery_failed(event: Event, error: Exception) -> None:
    if event.attempts >= MAX_ATTEMPTS:
        next_attempt = None
    else:
        step = BACKOFF_MINUTES[min(event.attempts, len(BACKOFF_MINUTES)) - 1]
        next_attempt = timezone.now() + dt.timedelta(minutes=step)
    Event.objects.filter(pk=event.pk).update(
        next_attempt_at=next_attempt, last_error=f"{type(error).__name__}: {error}"[:2000]
    )
    logger.warning(
        "Sandbox event %s (attempt %s) not delivered: %s", event.reference, event.attempts, error
    )


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed: int = 0
    # Bank payments settled first (processor_banks.ach_settle_due).
    cleared: int = 0
    returned: int = 0


def sandbox_events_deliver_due(*, limit: int = 100) -> DeliveryRun:
    """Settle the bank payments that have cleared by the sandbox's clock, then
    deliver the events that are due (new ones whose task was lost, failed
    ones whose wait is over), oldest first. No delivery when it is off."""
    # Imported here: settling records events, so processor_banks imports this module.
    from trellis.sandbox_processor.processor_banks import ach_settle_due

    settled = ach_settle_due()
    run = DeliveryRun(cleared=settled.succeeded, returned=settled.returned)
    if not settings.SANDBOX_WEBHOOKS_DELIVER:
        return run
    due = Event.objects.filter(
        delivered_at__isnull=True, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    for event_id in due.values_list("pk", flat=True)[:limit]:
        if event_deliver(event_id=event_id):
            run.delivered += 1
        else:
            run.failed += 1
    return run
