"""View as customer: who among the staff may see the portal as one contact
sees it, and the preview's state in the staff member's own session.

A preview is the contact's id in the staff member's session; the staff member
stays signed in as themselves, so the customer's account, sessions and last
sign-in are never touched. Starting and ending one is recorded in the audit
log. The rules live here, in the domain, because both UIs need them: the office
offers View as customer only to staff it may show everything a preview shows,
and the portal builds its pages for the previewed contact (`preview_of`) and
refuses in a preview what would change something (trellis/portal/preview.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.customers.models import Contact

SESSION_KEY = "trellis.preview_contact_id"


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
    """Connected to user_logged_out (AccountsConfig.ready): signing out of the
    office, or a session timing out, ends an open preview, and the audit log
    says so as when staff press Exit preview."""
    if request is not None and SESSION_KEY in request.session:
        preview_end(request=request)
