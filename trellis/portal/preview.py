"""View as customer: staff see the portal exactly as one contact sees it, and
can change nothing there.

A preview is the contact's id in the staff member's own session; the staff
member stays signed in as themselves, so the customer's account, sessions and
last sign-in are never touched. While it lasts:

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
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, URLPattern, resolve

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.customers.models import Contact

SESSION_KEY = "trellis.preview_contact_id"
READ_METHODS = frozenset({"GET", "HEAD"})
# Set on a view by customer_required(changes=True).
CHANGES_SOMETHING = "changes_something"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class Preview:
    """The contact whose portal a staff member is looking at."""

    contact: Contact
    staff: User
    has_account: bool


# What a preview shows, each with the office model whose view (or change)
# permission lets staff see it there: the home page sums up and the portal
# lists the contact's invoices, proposals and requests (with their photos and
# comments), beside the contact's own details and payment methods, which the
# contact's page in the office shows.
PREVIEW_SHOWS = (
    ("customers", "contact", "contacts"),
    ("billing", "invoice", "invoices"),
    ("proposals", "proposal", "proposals"),
    ("issues", "issue", "requests"),
)


def _may_see(user: Any, app_label: str, model: str) -> bool:
    # The admin lets the change permission see too.
    return bool(
        user.has_perm(f"{app_label}.view_{model}") or user.has_perm(f"{app_label}.change_{model}")
    )


def can_see_contacts(user: Any) -> bool:
    """Active staff who may see contacts in the office."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and _may_see(user, "customers", "contact")
    )


def preview_unseeable(user: Any) -> list[str]:
    """What a preview would show that `user` may not see in the office, in
    words ("invoices", "requests"); empty when they may see it all."""
    return [words for app, model, words in PREVIEW_SHOWS if not _may_see(user, app, model)]


def can_view_as(user: Any) -> bool:
    """Active staff who may see, in the office, everything the preview shows:
    View as customer must not be a way round a permission the office refuses."""
    return can_see_contacts(user) and not preview_unseeable(user)


def view_as_refusal(user: Any, contact: Contact) -> str:
    """Why `user` may not view the portal as `contact`, in their words; empty
    when they may."""
    unseeable = preview_unseeable(user)
    if not unseeable:
        return ""
    listed = unseeable[0] if len(unseeable) == 1 else ", ".join(unseeable[:-1])
    if len(unseeable) > 1:
        listed += f" and {unseeable[-1]}"
    return (
        f"You cannot view the portal as {contact.full_name}: it shows {listed}, which your "
        "office permissions do not let you see. An administrator can give you permission "
        "to view them."
    )


def preview_of(request: HttpRequest) -> Preview | None:
    """This request's preview, if it is an active staff member's who has one."""
    if not hasattr(request, "_trellis_preview"):
        request._trellis_preview = _preview_load(request)  # type: ignore[attr-defined]
    return request._trellis_preview  # type: ignore[attr-defined]


def _preview_load(request: HttpRequest) -> Preview | None:
    contact_id = request.session.get(SESSION_KEY)
    if contact_id is None or not can_view_as(request.user):
        return None
    accounts = User.objects.filter(contact=OuterRef("pk"))
    contact = Contact.objects.annotate(has_account=Exists(accounts)).filter(pk=contact_id).first()
    if contact is None:  # deleted since the preview began: nothing left to show
        del request.session[SESSION_KEY]
        return None
    return Preview(contact=contact, staff=request.user, has_account=contact.has_account)  # type: ignore[arg-type]


def in_portal(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.namespace == "portal"


def preview_start(*, request: HttpRequest, contact: Contact) -> None:
    """Start showing this staff member the portal as `contact` sees it, ending
    any preview they had open."""
    staff = request.user
    if not can_view_as(staff):
        raise PermissionDenied
    with transaction.atomic():
        preview_end(request=request)
        request.session[SESSION_KEY] = contact.pk
        audit_record(action="contact.view_as_started", actor=staff, target=contact)  # type: ignore[arg-type]
    del request._trellis_preview  # type: ignore[attr-defined]


def preview_end(*, request: HttpRequest) -> Contact | None:
    """End this staff member's preview; the contact it showed, if there was one."""
    preview = preview_of(request)
    request.session.pop(SESSION_KEY, None)
    request._trellis_preview = None  # type: ignore[attr-defined]
    if preview is None:
        return None
    audit_record(action="contact.view_as_ended", actor=preview.staff, target=preview.contact)
    return preview.contact


def preview_end_at_sign_out(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """Connected to user_logged_out (PortalConfig.ready): signing out of the
    office, or a session timing out, ends an open preview, and the audit log
    says so as when staff press Exit preview."""
    if request is not None and SESSION_KEY in request.session:
        preview_end(request=request)


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
