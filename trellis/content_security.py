"""The Content-Security-Policy of Trellis's pages (settings.CONTENT_SECURITY_POLICY).

Every HTML page gets the policy: scripts only from Trellis's own origin, or
inline with the request's nonce; no plugins, no <base>, never framed, forms
post only to Trellis. The one exception is widened on purpose: a page where
a card is typed may load the payment processor's scripts and frames, and only
that page (`card_entry_page`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase

from trellis.billing.gateways import get_gateway

# The content types a browser runs scripts in: the policy's business.
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml")


class HtmlContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, for documents only (HTML, and SVG, which can
    hold scripts).

    On a PDF a policy breaks Chromium's viewer, which draws the file in a page
    of its own that `object-src 'none'` forbids (crbug.com/271452). Photos,
    PDFs and downloads keep `nosniff` and their content types, so a browser
    never runs them as a page.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith(DOCUMENT_TYPES):
            response._csp_exempt = True  # type: ignore[attr-defined]
        return super().process_response(request, response)


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def processor_allowed(response: HttpResponseBase) -> HttpResponseBase:
    """Let this page load the payment processor's own scripts and frames: its
    card fields and its bank prompt live on its origin, so the card number
    never reaches Trellis. Only pages that show one of those call it."""
    update = {}
    for directive, sources in get_gateway().card_page_sources.items():
        if sources:
            # script-src is in the base policy; frame-src and connect-src are
            # not (they fall back to default-src 'self'), so naming them here
            # must keep 'self'.
            kept = [] if directive == "script-src" else [SELF]
            update[directive] = [*kept, *sources]
    if update:
        response._csp_update = update  # type: ignore[attr-defined]
    return response


def card_entry_page(view: View) -> View:
    """A page where a card is typed: it may load the processor (see
    `processor_allowed`). Every other page keeps the processor out."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return processor_allowed(view(request, *args, **kwargs))

    return cast(View, wrapped)
