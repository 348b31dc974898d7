"""One structured log line per security event, on the `trellis.security` logger.

Each line is a JSON object: the UTC time, the event's name, the outcome, the
account (by id, never by password, token, session key or card number), the
request id and the client's address. Events are named `<area>.<what>`:

    sign_in.succeeded  sign_in.failed  sign_in.throttled  sign_out
    password.changed  password.reset  email.changed  invitation.accepted
    access.denied  payment.succeeded  payment.failed  two_factor.*

Call it where the event is decided, after the fact is certain.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from trellis.log_secrets import link_tokens_masked
from trellis.request_context import current_client_ip, current_request_id

logger = logging.getLogger("trellis.security")

# Keys a caller may never pass: what they would hold must not reach a log.
FORBIDDEN_KEYS = frozenset(
    {"password", "token", "raw_token", "session_key", "sessionid", "card_number", "cvv", "cvc"}
)


def security_event(event: str, *, user: Any = None, outcome: str = "", **fields: Any) -> None:
    forbidden = FORBIDDEN_KEYS.intersection(fields)
    if forbidden:
        raise ValueError(f"security_event() must not log {sorted(forbidden)}")
    line: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
        "outcome": outcome or None,
        "user_id": getattr(user, "pk", None),
        "staff": bool(getattr(user, "is_staff", False)) if user is not None else None,
        "ip": current_client_ip(),
        "request_id": current_request_id() or None,
    }
    line.update(fields)
    logger.info(json.dumps(line, default=str, sort_keys=False))


class DeniedAccessLogMiddleware:
    """Logs access.denied when a signed-in person is refused something: a 404
    from the visibility rules (a stranger's object looks like no object) or a
    403 for a permission they lack. Anonymous 404s are just missing pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if not isinstance(exception, Http404 | PermissionDenied):
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        match = request.resolver_match
        security_event(
            "access.denied",
            user=user,
            outcome="not_found" if isinstance(exception, Http404) else "forbidden",
            method=request.method,
            path=link_tokens_masked(request.path)[:300],
            view=match.view_name if match else None,
            object_ids={
                key: str(value)[:64]
                for key, value in (match.kwargs if match else {}).items()
                if key not in FORBIDDEN_KEYS  # a link's token is a secret, not an id
            },
        )
