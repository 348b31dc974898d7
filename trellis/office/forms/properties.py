"""The property form: the address and the contacts' roles, in one form.

A contact is chosen by typing: the page suggests contacts as staff type (from
office:contact-choices, by trellis/office/static/office/properties.js), and a
suggestion ends in the contact's number ("Maria Lopez · maria@example.com · #12").
Without JavaScript, a name, an email or an external ID that only one contact
has is enough. So the page never lists every contact of the company.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.properties import CHOICES_SHOWN, PropertyDetails, contacts_matching

Role = PropertyContact.Role
ONE_ONLY = (Role.PRIMARY, Role.BILLING)
# Blank rows the form offers below the roles a property has.
BLANK_ROWS = 3
CHOSEN = re.compile(r"#(\d{1,12})\s*$")


def contact_label(contact: Contact) -> str:
    """How the chooser writes a contact: name, email and the number that picks it."""
    return " · ".join(part for part in (contact.full_name, contact.email) if part) + (
        f" · #{contact.pk}"
    )


class ContactChoiceField(forms.CharField):
    """A contact, typed: a suggestion ends in the contact's number, which picks
    it; any other text must be a name, an email or an external ID that only one
    contact has (or the whole name or email of exactly one of those it matches)."""

    widget = forms.TextInput(attrs={"list": "contact-choices", "autocomplete": "off", "size": 40})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return contact_label(value) if isinstance(value, Contact) else value

    def clean(self, value: Any) -> Contact | None:
        text = super().clean(value)
        if not text:
            return None
        chosen = CHOSEN.search(text)
        if chosen:
            contact = Contact.objects.filter(pk=int(chosen.group(1))).first()
            if contact is None:
                raise ValidationError("This contact no longer exists: choose another.")
            return contact
        found = list(contacts_matching(text=text)[:CHOICES_SHOWN])
        if not found:
            raise ValidationError(f"No contact has the name, email or external ID “{text}”.")
        if len(found) > 1:
            # "Maria Lopez" is Maria Lopez, even with a Maria Lopez-Garcia about.
            found = [
                c for c in found if text.casefold() in (c.full_name.casefold(), c.email.casefold())
            ] or found
        if len(found) > 1:
            raise ValidationError(
                f"More than one contact matches “{text}”: type more of the name, or their email."
            )
        return found[0]


class RoleForm(forms.Form):
    contact = ContactChoiceField(label="Contact")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.OTHER)
    remove = forms.BooleanField(label="Remove", required=False)


class BaseRolesFormSet(forms.BaseFormSet):
    """The property's roles, checked as a whole: one Primary and one Billing
    contact at most, and a contact once in each role. A row with no contact,
    or marked Remove, is left out."""

    def kept(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            if form.cleaned_data.get("contact") and not form.cleaned_data.get("remove")
        ]

    def roles(self) -> list[tuple[Contact, str]]:
        return [(form.cleaned_data["contact"], form.cleaned_data["role"]) for form in self.kept()]

    def clean(self) -> None:
        if any(self.errors):
            return
        holders: dict[str, Contact] = {}
        listed: set[tuple[int, str]] = set()
        for form in self.kept():
            contact, role = form.cleaned_data["contact"], form.cleaned_data["role"]
            label = Role(role).label
            if (contact.pk, role) in listed:
                form.add_error("contact", f"{contact} is already listed as {label}.")
            elif role in ONE_ONLY and role in holders:
                form.add_error(
                    "role",
                    f"{holders[role]} is already the {label} contact: a property has one "
                    f"{label} contact. Choose another role, or remove one of the two.",
                )
            listed.add((contact.pk, role))
            holders.setdefault(role, contact)


RolesFormSet = forms.formset_factory(RoleForm, formset=BaseRolesFormSet, extra=0)


def roles_formset(
    data: Any = None, *, roles: list[PropertyContact] | None = None
) -> BaseRolesFormSet:
    """The roles part of the form: a row per role held, then blank rows, the
    first of them for a Primary or Billing contact the property lacks."""
    held = roles or []
    rows: list[dict[str, Any]] = [{"contact": pc.contact, "role": pc.role} for pc in held]
    missing = [role for role in ONE_ONLY if role not in {pc.role for pc in held}]
    blanks = [*missing, *[Role.OTHER] * BLANK_ROWS][:BLANK_ROWS]
    rows += [{"role": role} for role in blanks]
    return cast(BaseRolesFormSet, RolesFormSet(data, initial=rows, prefix="roles"))


class PropertyForm(forms.ModelForm):
    """The name, address and external ID. It only checks them (an external ID
    taken by another property, say): property_create or property_update writes."""

    class Meta:
        model = Property
        fields = ["name", "street", "city", "region", "postal_code", "external_id"]
        labels = {"external_id": "External ID"}
        help_texts = {"external_id": "The property's number in the company's other system."}

    def details(self) -> PropertyDetails:
        return PropertyDetails(**self.cleaned_data)


class PropertyFilterForm(forms.Form):
    q = forms.CharField(
        label="Name, address or external ID", required=False, widget=forms.SearchInput
    )
    missing = forms.ChoiceField(
        label="Portal contacts",
        required=False,
        choices=[
            ("", "Any"),
            (Role.PRIMARY, "No Primary contact"),
            (Role.BILLING, "No Billing contact"),
        ],
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"text": "", "missing": ""}
        return {"text": self.cleaned_data["q"], "missing": self.cleaned_data["missing"]}
