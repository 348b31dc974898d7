"""A contact's details, as staff type them: never a password (staff never set
a customer's password). The checks are trellis.customers.contacts's; the
view puts what it refuses next to the field it is about."""

from __future__ import annotations

from django import forms

from trellis.customers.contacts import CONTACT_FIELDS
from trellis.customers.models import Contact


class ContactForm(forms.Form):
    @classmethod
    def of(cls, contact: Contact | None) -> ContactForm:
        """The form filled in with the contact's details as they are (blank for a new one)."""
        if contact is None:
            return cls()
        return cls(initial={name: getattr(contact, name) for name in CONTACT_FIELDS})


# The model's own fields (labels, lengths, language choices), but not a model
# form: the form only reads what was typed; the service checks and writes.
ContactForm.base_fields = forms.fields_for_model(Contact, fields=CONTACT_FIELDS)
