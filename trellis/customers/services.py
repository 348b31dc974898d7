from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from trellis.customers.models import Contact, Property, PropertyContact


def property_set_roles(
    *, property: Property, roles: Iterable[tuple[Contact, str]]
) -> list[PropertyContact]:
    """Make the property's contact roles exactly `roles`, a list of (contact, role).

    Roles not listed are removed, which removes that contact's portal access to
    the property on its next request. The database constraints refuse a second
    Primary or Billing contact.
    """
    wanted = {(contact.pk, role) for contact, role in roles}
    with transaction.atomic():
        existing = {(pc.contact_id, pc.role): pc for pc in property.roles.all()}
        stale = [pc.pk for key, pc in existing.items() if key not in wanted]
        PropertyContact.objects.filter(pk__in=stale).delete()
        PropertyContact.objects.bulk_create(
            PropertyContact(property=property, contact_id=contact_id, role=role)
            for contact_id, role in sorted(wanted - existing.keys())
        )
    return list(property.roles.all())
