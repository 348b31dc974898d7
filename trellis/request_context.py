"""What every log line and audit entry says about the request that caused it:
a request id (also sent back as X-Request-ID and printed on the 500 page, so
support can find the line) and the client's address.

Kept in context variables, so code far from the view (a service writing an
audit entry, a logging filter) reads them without being handed the request.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "client_ip", default=None
)

# A proxy's own id is kept only if it looks like one: it goes into logs and headers.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry TRUSTED_PROXY_COUNT
    proxies back in X-Forwarded-For (what a client writes there itself is not
    trusted)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def current_request_id() -> str:
    return request_id_var.get()


def current_client_ip() -> str | None:
    return client_ip_var.get()


def _request_id_for(request: HttpRequest) -> str:
    if settings.TRUSTED_PROXY_COUNT:
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        if SAFE_REQUEST_ID.match(offered):
            return offered
    return secrets.token_hex(8)


class RequestContextMiddleware:
    """First in the chain, so everything after it logs with the request's id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class RequestContextLogFilter(logging.Filter):
    """Adds request_id and client_ip to every record, for the log format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        record.client_ip = client_ip_var.get() or "-"
        return True
