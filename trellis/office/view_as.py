"""View as customer: from a contact's page, staff open the portal exactly as
that contact sees it, read-only, and every step is in the audit log. What a
preview may and may not do is trellis/accounts/preview.py's business (who may,
the preview's state) and trellis/portal/preview.py's (what it refuses)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from trellis.accounts.preview import (
    preview_start,
    preview_unseeable,
    view_as_refusal,
)
from trellis.audit.services import audit_record
from trellis.customers.models import Contact
from trellis.security_log import security_event


def view_as_start(request: HttpRequest, contact: Contact, *, back: str) -> HttpResponse:
    """Open the portal as `contact` sees it, for staff who may see all it shows;
    for staff who may see the contact but not all a preview shows (say, its
    invoices), say why and go `back` to the contact's page, the refusal recorded."""
    refusal = view_as_refusal(request.user, contact)
    if refusal:
        unseeable = preview_unseeable(request.user)
        audit_record(
            action="contact.view_as_refused",
            actor=request.user,  # type: ignore[arg-type]
            target=contact,
            data={"not_permitted": unseeable},
        )
        security_event(
            "access.denied",
            user=request.user,
            outcome="forbidden",
            view="view_as",
            contact_id=contact.pk,
            not_permitted=unseeable,
        )
        messages.error(request, refusal)
        return redirect(back)
    preview_start(request=request, contact=contact)
    return redirect("portal:home")
