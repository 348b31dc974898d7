"""View as customer: from a contact's page, staff open the portal exactly as
that contact sees it, read-only, and every step is in the audit log. What a
preview may and may not do is trellis/accounts/preview.py's business (who may,
the preview's state) and trellis/portal/preview.py's (what it refuses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from trellis.accounts.preview import (
    can_see_contacts,
    preview_start,
    preview_unseeable,
    view_as_refusal,
)
from trellis.audit.services import audit_record
from trellis.customers.models import Contact
from trellis.office.contact_portal import contact_page_url
from trellis.security_log import security_event

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin


@require_POST
def view_as_view(
    request: HttpRequest, object_id: str, *, model_admin: ModelAdmin[Any]
) -> HttpResponse:
    # The permission first: staff who may not see contacts learn nothing of which exist.
    if not can_see_contacts(request.user):
        raise PermissionDenied
    contact = model_admin.get_object(request, unquote(object_id))
    if contact is None:
        raise Http404
    return view_as_start(request, contact, back=contact_page_url(contact))


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
