"""The office's properties: the list (find a property, or the ones whose customers
see nothing because no one holds the Primary or Billing role), a property's page
(its address, contacts and latest documents), and one form for its address and
its contacts' roles. Adding takes customers.add_property, changing
customers.change_property: the roles are part of the property, so changing them
needs nothing more.

Writes go through trellis/customers/properties.py, which records each in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.properties import (
    CHOICES_SHOWN,
    Latest,
    contacts_matching,
    properties_search,
    property_create,
    property_history,
    property_roles,
    property_update,
)
from trellis.office.forms.properties import (
    BaseRolesFormSet,
    PropertyFilterForm,
    PropertyForm,
    contact_label,
    roles_formset,
)
from trellis.office.guard import staff_of, staff_page
from trellis.office.lists import listing_of
from trellis.office.pages import contact_url, page_url

VIEW = "customers.view_property"
ADD = "customers.add_property"
# Roles are part of the property's page: changing the property changes them too.
CHANGE = "customers.change_property"
Role = PropertyContact.Role
CHANGED_MEANWHILE = (
    "Someone saved this property while you were typing, and what you chose now clashes "
    "with it (a second Primary or Billing contact, or an external ID taken). Nothing was "
    "saved: check the property's page and try again."
)


@dataclass(frozen=True)
class Linked:
    obj: Any
    url: str


@dataclass(frozen=True)
class PropertyRow:
    property: Property
    primary: Linked | None
    billing: Linked | None

    @classmethod
    def of(cls, prop: Property) -> PropertyRow:
        holders = {pc.role: pc.contact for pc in prop.portal_roles}  # type: ignore[attr-defined]
        return cls(
            prop, _contact_link(holders.get(Role.PRIMARY)), _contact_link(holders.get(Role.BILLING))
        )


def _contact_link(contact: Contact | None) -> Linked | None:
    return Linked(contact, contact_url(contact.pk)) if contact else None


@staff_page(VIEW, methods=("GET",))
def property_list(request: HttpRequest) -> HttpResponse:
    filters = PropertyFilterForm(request.GET)
    listing = listing_of(request, properties_search(**filters.filters()))
    context = {
        "title": "Properties",
        "filters": filters,
        "listing": listing,
        "rows": [PropertyRow.of(prop) for prop in listing.rows],
        "can_add": request.user.has_perm(ADD),
    }
    return TemplateResponse(request, "office/properties/list.html", context)


@staff_page(VIEW, methods=("GET",))
def property_page(request: HttpRequest, property_id: int) -> HttpResponse:
    prop = get_object_or_404(Property, pk=property_id)
    roles = property_roles(property=prop)
    history = property_history(property=prop)
    held = {pc.role for pc in roles}
    context = {
        "title": prop.name,
        "property": prop,
        "roles": [Linked(pc, contact_url(pc.contact_id)) for pc in roles],
        "missing": [Role(role).label for role in (Role.PRIMARY, Role.BILLING) if role not in held],
        "proposals": _linked(history["proposals"], "proposal"),
        "invoices": _linked(history["invoices"], "invoice"),
        "requests": _linked(history["requests"], "request"),
        "can_change": request.user.has_perm(CHANGE),
    }
    return TemplateResponse(request, "office/properties/property.html", context)


def _linked(latest: Latest, kind: str) -> dict[str, Any]:
    return {
        "rows": [Linked(obj, page_url(kind, obj.pk)) for obj in latest.rows],
        "count": latest.count,
    }


@staff_page(ADD)
def property_add(request: HttpRequest) -> HttpResponse:
    return _property_form(request, None)


@staff_page(CHANGE)
def property_edit(request: HttpRequest, property_id: int) -> HttpResponse:
    return _property_form(request, get_object_or_404(Property, pk=property_id))


def _property_form(request: HttpRequest, prop: Property | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    # Taken now: the form writes what was typed into `prop` as it checks it.
    name = prop.name if prop else ""
    form = PropertyForm(data, instance=prop)
    roles = roles_formset(data, roles=property_roles(property=prop) if prop else None)
    if data is not None and all([form.is_valid(), roles.is_valid()]):
        try:
            prop = _property_save(request, prop, form, roles)
        except IntegrityError:
            # Someone else saved this property's roles or external ID meanwhile.
            form.add_error(None, CHANGED_MEANWHILE)
        else:
            return redirect("office:property", property_id=prop.pk)
    context = {
        "title": f"Change {name}" if prop else "Add a property",
        "property": prop,
        "name": name,
        "form": form,
        "roles": roles,
        "can_choose": request.user.has_perm("customers.view_contact"),
    }
    return TemplateResponse(request, "office/properties/property_form.html", context)


def _property_save(
    request: HttpRequest, prop: Property | None, form: PropertyForm, roles: BaseRolesFormSet
) -> Property:
    staff, details = staff_of(request), form.details()
    if prop is None:
        prop = property_create(actor=staff, details=details, roles=roles.roles())
        messages.success(request, f"{prop.name} was added.")
    else:
        property_update(property=prop, actor=staff, details=details, roles=roles.roles())
        messages.success(request, f"Your changes to {prop.name} were saved.")
    return prop


@staff_page("customers.view_contact", methods=("GET",))
def contact_choices(request: HttpRequest) -> HttpResponse:
    """The contacts the form's chooser suggests for what was typed (?q=), as JSON."""
    text = request.GET.get("q", "").strip()
    found = contacts_matching(text=text)[:CHOICES_SHOWN] if len(text) >= 2 else []
    return JsonResponse({"choices": [contact_label(contact) for contact in found]})
