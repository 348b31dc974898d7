"""Staff add and change a contact's details. A contact with a portal account
signs in with its email, so changing that email moves the sign-in: it must
stay usable and belong to no other account, and the old address is told
(trellis.accounts.profile.contact_email_changed). Contacts without an account
may share an address (a household's); a portal account may not."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Prefetch, QuerySet, When
from django.utils.text import capfirst

from trellis.accounts.models import User
from trellis.accounts.profile import contact_email_changed, contact_email_check
from trellis.audit.services import audit_record
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.mail.models import OutgoingEmail

# What staff may set on a contact: never its account or password.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "language",
    "external_id",
)


def _set_details(contact: Contact, fields: dict[str, Any]) -> list[str]:
    """Set the given details on `contact`, checked; the names of those that changed."""
    unknown = fields.keys() - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Not a contact detail staff may set: {', '.join(sorted(unknown))}")
    changed = []
    for name, value in fields.items():
        if name == "external_id":
            value = value or None  # unique when given; many contacts have none
        elif isinstance(value, str):
            value = value.strip()
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(name)
    contact.full_clean()
    return changed


def _check_sign_in_email(contact: Contact) -> None:
    if not User.objects.filter(contact=contact).exists():
        return
    if not contact.email:
        raise ValidationError(
            {"email": "This contact signs in to the portal with its email, so it cannot be empty."}
        )
    try:
        contact_email_check(contact=contact, email=contact.email)
    except ValidationError as error:
        raise ValidationError({"email": error}) from None


def _labels(names: list[str]) -> list[str]:
    # The words the admin's change messages use, so the log reads the same.
    fields = {field.name: field for field in Contact._meta.concrete_fields}
    return [str(capfirst(fields[name].verbose_name)) for name in names]


def contact_create(*, actor: User | None, **fields: Any) -> Contact:
    """Add a contact with the given details (CONTACT_FIELDS; first_name at
    least). Raises ValidationError, by field, when a detail is not acceptable."""
    contact = Contact()
    _set_details(contact, fields)
    with transaction.atomic():
        contact.save()
        audit_record(
            action="contact.created", actor=actor, target=contact, data={"changes": [{"added": {}}]}
        )
    return contact


def contact_update(*, contact: Contact, actor: User | None, **fields: Any) -> Contact:
    """Change the given details of `contact` (CONTACT_FIELDS). Raises
    ValidationError, by field, when one is not acceptable; a verified contact's
    email must stay one no other account signs in with. An email change is also
    recorded as a sign-in change, and a verified contact's old address told."""
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        old_email = locked.email
        changed = _set_details(locked, fields)
        if not changed:
            return locked
        if "email" in changed:
            _check_sign_in_email(locked)
        locked.save()
        audit_record(
            action="contact.changed",
            actor=actor,
            target=locked,
            data={"changes": [{"changed": {"fields": _labels(changed)}}]},
        )
        if "email" in changed:
            contact_email_changed(contact=locked, old_email=old_email, changed_by=actor)
    return locked


# How many of a contact's emails its page lists, newest first.
EMAILS_SHOWN = 10


def contact_properties(*, contact: Contact) -> QuerySet[Property]:
    """The properties on which the contact holds a role, by name, each with
    `contact_roles`: the contact's roles there, Primary first."""
    roles = PropertyContact.Role.values
    role_order = Case(*(When(role=role, then=n) for n, role in enumerate(roles)))
    held = PropertyContact.objects.filter(contact=contact).order_by(role_order, "id")
    return (
        Property.objects.filter(roles__contact=contact)
        .distinct()
        .order_by("name", "id")
        .prefetch_related(Prefetch("roles", queryset=held, to_attr="contact_roles"))
    )


def contact_emails(*, contact: Contact, limit: int = EMAILS_SHOWN) -> list[OutgoingEmail]:
    """The newest emails sent (or being sent) to the contact, with their delivery status."""
    emails = OutgoingEmail.objects.filter(contact=contact).defer("body_text", "body_html")
    return list(emails.order_by("-created_at", "-id")[:limit])
