"""View as customer in the portal: staff see the portal exactly as one contact
sees it, and can change nothing there.

Who may, and the preview's state in the staff member's session, are the
domain's (trellis/accounts/preview.py). Here is what the portal does with it:

- `customer_required` builds the Viewer from the previewed contact, so every
  page loads its objects through `trellis.visibility` exactly as for them;
- `read_only_in_preview`, applied to every pattern of the portal's URLconf, is
  the one place that refuses what would change something (any method but GET
  and HEAD, and every page marked `changes_something`, which
  `customer_required(changes=True)` does for the customer's pages) and that
  records each page viewed in the audit log;
- the templates hide what pays, approves or changes, from `preview` in their
  context (trellis.portal.context_processors).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, URLPattern, resolve

from trellis.accounts.preview import Preview, preview_of
from trellis.audit.services import audit_record

READ_METHODS = frozenset({"GET", "HEAD"})
# Set on a view by customer_required(changes=True).
CHANGES_SOMETHING = "changes_something"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def in_portal(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.namespace == "portal"


def changes_something(view: View) -> View:
    """Mark a portal page whose purpose is to change something (pay, approve,
    edit, set a password...): a preview refuses it even on GET, rather than
    show a form it would refuse."""
    setattr(view, CHANGES_SOMETHING, True)
    return view


def read_only_in_preview(pattern: URLPattern) -> URLPattern:
    """The pattern, its view refusing in a preview what would change something
    and recording in the audit log each page a preview shows or refuses."""
    view = pattern.callback

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        preview = preview_of(request)
        if preview is None:
            return view(request, *args, **kwargs)
        refused = request.method not in READ_METHODS or getattr(view, CHANGES_SOMETHING, False)
        try:
            if refused:
                response = preview_refused(request, preview)
            else:
                response = view(request, *args, **kwargs)
        except Http404:  # something the contact may not see: staff looked for it all the same
            _page_record(request, preview, status=404)
            raise
        _page_record(request, preview, status=response.status_code)
        return response

    return URLPattern(pattern.pattern, guarded, pattern.default_args, pattern.name)


def _page_record(request: HttpRequest, preview: Preview, *, status: int) -> None:
    audit_record(
        action="contact.view_as_page_viewed",
        actor=preview.staff,
        target=preview.contact,
        data={"path": request.get_full_path(), "method": request.method, "status": status},
    )


def preview_refused(request: HttpRequest, preview: Preview) -> HttpResponse:
    return render(
        request, "portal/preview_refused.html", {"name": preview.contact.full_name}, status=403
    )
