"""Where payment processors tell Trellis what became of a charge.

A processor POSTs each event, signed with the secret it shares with Trellis,
until it is answered 2xx. The signature is all that is trusted: an event that
does not verify is answered 400 and changes nothing; one that does is stored
and applied once (trellis.billing.processor_events), and answered 200 whether
it was applied now, delivered before, or is of a kind Trellis ignores, so the
processor stops sending it. Anything else (the database down) is a 500, and
the processor sends it again later.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trellis.billing.gateways import gateway_named
from trellis.billing.gateways.base import InvalidSignature
from trellis.billing.processor_events import processor_event_apply
from trellis.security_log import security_event

# Processors' events are a few kilobytes; anything much larger is not one.
MAX_BODY_BYTES = 256 * 1024


# CSRF protects a browser's session from other sites' forms; a processor has no
# session or cookie, and each request it sends carries a signature of its body
# made with the shared secret, which is checked instead.
@csrf_exempt
@require_POST
def receive(request: HttpRequest, gateway: str) -> HttpResponse:
    processor = gateway_named(gateway)
    if processor is None:
        raise Http404("No such payment processor is set up")
    body = _body_within_limit(request)
    if body is None:
        return HttpResponse("Too large for an event.", status=413, content_type="text/plain")
    try:
        event = processor.webhook_event(body=body, headers=request.headers)
    except InvalidSignature:
        # Never the body: it is whatever the sender chose to send.
        security_event(
            "webhook.signature_invalid", outcome="refused", processor=gateway, size=len(body)
        )
        return HttpResponseBadRequest("Bad signature.", content_type="text/plain")
    applied = processor_event_apply(processor=processor.name, event=event)
    return HttpResponse("OK" if applied else "OK (delivered before)", content_type="text/plain")


def _body_within_limit(request: HttpRequest) -> bytes | None:
    """The request's body, or None when it is longer than MAX_BODY_BYTES; read
    no further than that, whatever the request says its length is."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body
