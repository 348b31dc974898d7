"""The office's main navigation: each area, and what a staff member must hold
to see its link (the area's own pages ask the same, trellis/office/guard.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from trellis.accounts.middleware import held_at
from trellis.office.guard import is_staff


@dataclass(frozen=True)
class Area:
    label: str
    url_name: str
    # The link shows to staff holding any one of these (none: every staff member).
    permissions: tuple[str, ...]
    # URL names of this area's pages start with one of these (for aria-current);
    # the longest match wins, so "email-template" is Settings' and "email" Email's.
    prefixes: tuple[str, ...]

    def match(self, url_name: str) -> int:
        return max((len(p) for p in self.prefixes if url_name.startswith(p)), default=0)


AREAS = (
    Area("Inbox", "office:home", (), ("home", "inbox")),
    Area("Contacts", "office:contacts", ("customers.view_contact",), ("contact",)),
    Area("Properties", "office:properties", ("customers.view_property",), ("propert",)),
    Area("Proposals", "office:proposals", ("proposals.view_proposal",), ("proposal",)),
    Area("Invoices", "office:invoices", ("billing.view_invoice",), ("invoice",)),
    Area(
        "Charge saved methods",
        "office:invoices-charge",
        ("bulk_charging.charge_in_bulk",),
        ("invoices-charge",),
    ),
    Area("Requests", "office:requests", ("issues.view_issue",), ("request",)),
    Area("Email", "office:emails", ("mail.view_outgoingemail",), ("email",)),
    Area(
        "Settings",
        "office:settings",
        ("company.view_company", "mail.view_emailtemplate", "accounts.view_user"),
        ("setting", "staff", "email-template"),
    ),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


def office_navigation(request: HttpRequest) -> list[Link]:
    # Signed out, or held at the second step of signing in: nowhere to go yet.
    if not is_staff(request.user) or held_at(request) is not None:
        return []
    match = request.resolver_match
    here = match.url_name or "" if match and match.namespace == "office" else ""
    user = request.user
    shown = [a for a in AREAS if not a.permissions or any(map(user.has_perm, a.permissions))]
    current = max(shown, key=lambda area: area.match(here), default=None)
    return [
        Link(area.label, _url(area, user), area is current and area.match(here) > 0)
        for area in shown
    ]


def _url(area: Area, user: object) -> str:
    """Settings opens on the first of its pages this staff member may see."""
    if area.label != "Settings":
        return reverse(area.url_name)
    for permission, name in SETTINGS_PAGES:
        if user.has_perm(permission):  # type: ignore[attr-defined]
            return reverse(name)
    return reverse(area.url_name)


SETTINGS_PAGES = (
    ("company.view_company", "office:settings"),
    ("mail.view_emailtemplate", "office:email-templates"),
    ("accounts.view_user", "office:staff"),
)


def office_links(request: HttpRequest) -> dict[str, object]:
    """Context processor: `office_links`, lazily (the portal's pages never read it)."""
    return {"office_links": SimpleLazyObject(lambda: office_navigation(request))}
