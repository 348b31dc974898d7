"""Leaving "View as customer": back to the contact's page in the office."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from trellis.accounts.preview import preview_end


@require_POST
def preview_exit(request: HttpRequest) -> HttpResponse:
    contact = preview_end(request=request)
    if contact is None:  # already over (another tab, or signed out): nothing to leave
        return redirect("portal:home")
    # Shown in the office, which is in English.
    messages.info(request, f"You have left the preview of {contact.full_name}'s portal.")
    return redirect("office:contact", contact_id=contact.pk)
