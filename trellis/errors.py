"""The page a person sees when Trellis fails: a plain apology, never a
traceback, with the request's id so support can find the log line."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader

from trellis.request_context import current_request_id


def server_error(request: HttpRequest) -> HttpResponseServerError:
    # Rendered without the request's context processors: whatever failed (the
    # database, say) must not fail this page too.
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": current_request_id()}))
