"""View as customer: from a contact's page, staff open the portal exactly as
that contact sees it, read-only, and every step is in the audit log. What a
preview may and may not do is trellis/portal/preview.py's business."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from trellis.portal.preview import can_view_as, preview_start

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin


@require_POST
def view_as_view(
    request: HttpRequest, object_id: str, *, model_admin: ModelAdmin[Any]
) -> HttpResponse:
    # The permission first: staff who may not see contacts learn nothing of which exist.
    if not can_view_as(request.user):
        raise PermissionDenied
    contact = model_admin.get_object(request, unquote(object_id))
    if contact is None:
        raise Http404
    preview_start(request=request, contact=contact)
    return redirect("portal:home")
