"""Properties for the back office: the list and a property's page (reads), and
adding a property, changing its address and its contacts' roles (writes).

Every write runs in one transaction and leaves one audit entry, with the action
names and the `changes` the old admin page wrote ("property.created",
"property.changed"), so the log reads the same whichever page staff used. Roles
are still made exact by `property_set_roles` (the import calls it too); the
writes here record what it changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, When
from django.utils.text import capfirst

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.services import property_set_roles

Role = PropertyContact.Role
Roles = Iterable[tuple[Contact, str]]

# How many of each kind of a property's documents its page lists, newest first.
LATEST_SHOWN = 10
# How many contacts the contact chooser suggests for what was typed.
CHOICES_SHOWN = 20
# The name the admin gave a role in its change messages.
ROLE_NAME = str(PropertyContact._meta.verbose_name)
# ...and the names it gave the fields.
FIELD_LABELS = {f.name: str(capfirst(f.verbose_name)) for f in Property._meta.fields}


@dataclass(frozen=True)
class PropertyDetails:
    """What staff type about a property: its name, address and external ID."""

    name: str
    street: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    external_id: str | None = None

    @classmethod
    def of(cls, prop: Property) -> PropertyDetails:
        return cls(**{f.name: getattr(prop, f.name) for f in fields(cls)})


# --- reads -----------------------------------------------------------------------


def role_order() -> Case:
    """Primary first, then Billing, then the others."""
    return Case(*(When(role=role, then=n) for n, role in enumerate(Role.values)))


def properties_search(*, text: str = "", missing: str = "") -> QuerySet[Property]:
    """Properties by name, matching every filter given:

    - text: every word is part of the name or the address, or the whole text
      is the external ID;
    - missing: "primary" or "billing", the properties with no contact in that
      role (their customers see nothing of them in the portal).

    Each comes with `portal_roles` (its Primary and Billing roles with their
    contact) and `other_contacts` (how many other roles it has), at a fixed
    number of queries however many rows.
    """
    found = Property.objects.all()
    words = text.split()
    if words:
        matches = Q()
        for word in words:
            matches &= (
                Q(name__icontains=word)
                | Q(street__icontains=word)
                | Q(city__icontains=word)
                | Q(region__icontains=word)
                | Q(postal_code__icontains=word)
            )
        found = found.filter(matches | Q(external_id__iexact=text.strip()))
    if missing in (Role.PRIMARY, Role.BILLING):
        held = PropertyContact.objects.filter(property=OuterRef("pk"), role=missing)
        found = found.filter(~Exists(held))
    portal_roles = PropertyContact.objects.filter(
        role__in=[Role.PRIMARY, Role.BILLING]
    ).select_related("contact")
    return (
        found.annotate(other_contacts=Count("roles", filter=Q(roles__role=Role.OTHER)))
        .prefetch_related(Prefetch("roles", queryset=portal_roles, to_attr="portal_roles"))
        .order_by("name", "id")
    )


def property_roles(*, property: Property) -> list[PropertyContact]:
    """The property's roles with their contacts: Primary, Billing, then the others by name."""
    return list(
        property.roles.select_related("contact").order_by(
            role_order(), "contact__last_name", "contact__first_name", "id"
        )
    )


@dataclass(frozen=True)
class Latest:
    """The newest few of a property's documents of one kind, and how many it has."""

    rows: list[Any]
    count: int


def _latest(documents: QuerySet[Any]) -> Latest:
    return Latest(list(documents.order_by("-created_at", "-id")[:LATEST_SHOWN]), documents.count())


def property_history(*, property: Property) -> dict[str, Latest]:
    """The property's newest proposals, invoices and requests (the portal's word
    for issues), each with how many there are."""
    return {
        "proposals": _latest(property.proposals.all()),
        "invoices": _latest(property.invoices.all()),
        "requests": _latest(property.issues.all()),
    }


def contacts_matching(*, text: str) -> QuerySet[Contact]:
    """Contacts for the property form's chooser, by last and first name: every
    word is part of the first name, the last name or the email, or the whole
    text is the contact's external ID or email."""
    term = text.strip()
    found = Contact.objects.all()
    words = Q()
    for word in term.split():
        words &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    if term:
        found = found.filter(words | Q(external_id__iexact=term) | Q(email__iexact=term))
    return found.order_by("last_name", "first_name", "id")


# --- writes ----------------------------------------------------------------------


def property_create(*, actor: User | None, details: PropertyDetails, roles: Roles = ()) -> Property:
    """Add a property with its contacts' roles, a list of (contact, role).

    The database constraints refuse a second Primary or Billing contact and an
    external ID already taken (IntegrityError); the office's form says so first.
    """
    with transaction.atomic():
        prop = Property.objects.create(**asdict(details))
        added = _roles_replace(prop, roles)
        audit_record(
            action="property.created",
            target=prop,
            actor=actor,
            data={"changes": [{"added": {}}, *added]},
        )
    return prop


def property_update(
    *,
    property: Property,
    actor: User | None,
    details: PropertyDetails,
    roles: Roles | None = None,
) -> Property:
    """Change the property's name, address and external ID and, unless `roles` is
    None, make its roles exactly `roles` (see `property_roles_update`).

    One "property.changed" entry names the fields changed and the roles added
    and removed; a save that changes nothing writes none.
    """
    with transaction.atomic():
        prop = Property.objects.select_for_update().get(pk=property.pk)
        changed = [
            f.name
            for f in fields(PropertyDetails)
            if getattr(prop, f.name) != getattr(details, f.name)
        ]
        changes: list[dict[str, Any]] = []
        if changed:
            for name in changed:
                setattr(prop, name, getattr(details, name))
            prop.save(update_fields=[*changed, "updated_at"])
            labels = [FIELD_LABELS[name] for name in changed]
            changes.append({"changed": {"fields": labels}})
        if roles is not None:
            changes += _roles_replace(prop, roles)
        if changes:
            audit_record(
                action="property.changed", target=prop, actor=actor, data={"changes": changes}
            )
    return prop


def property_roles_update(
    *, property: Property, actor: User | None, roles: Roles
) -> list[PropertyContact]:
    """Make the property's roles exactly `roles`, a list of (contact, role), and
    record what changed in a "property.changed" entry (none if nothing did).

    A role removed takes that contact's portal access to the property away on
    its next request (trellis/visibility.py asks the roles on every request).
    """
    with transaction.atomic():
        prop = Property.objects.select_for_update().get(pk=property.pk)
        changes = _roles_replace(prop, roles)
        if changes:
            audit_record(
                action="property.changed", target=prop, actor=actor, data={"changes": changes}
            )
        return property_roles(property=prop)


def _roles_replace(prop: Property, roles: Roles) -> list[dict[str, Any]]:
    """Set the roles through property_set_roles and say what changed, as the
    admin's change messages did: each role removed, then each added."""
    wanted = list(roles)
    held = prop.roles.select_related("contact").order_by(role_order(), "id")
    before = {(pc.contact_id, pc.role): pc for pc in held}
    property_set_roles(property=prop, roles=wanted)
    after = {(contact.pk, role): contact for contact, role in wanted}
    removed = [
        {"deleted": {"name": ROLE_NAME, "object": str(pc)}}
        for key, pc in before.items()
        if key not in after
    ]
    added = [
        {"added": {"name": ROLE_NAME, "object": _role_text(prop, contact, role)}}
        for (contact_id, role), contact in after.items()
        if (contact_id, role) not in before
    ]
    return removed + added


def _role_text(prop: Property, contact: Contact, role: str) -> str:
    return str(PropertyContact(property=prop, contact=contact, role=role))
