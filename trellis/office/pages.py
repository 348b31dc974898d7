"""Where each record has its page in the office: the one place every link to a
contact, property, document, request or email is made."""

from __future__ import annotations

from django.db.models import Model
from django.urls import reverse

# The office's page of each kind of record, by the model's label.
PAGES = {
    "customers.contact": "contact",
    "customers.property": "property",
    "proposals.proposal": "proposal",
    "billing.invoice": "invoice",
    "issues.issue": "request",
    "mail.outgoingemail": "email",
}


def page_url(kind: str, pk: int) -> str:
    """The page of one record: kind is "contact", "property", "proposal",
    "invoice", "request" or "email"."""
    return reverse(f"office:{kind}", kwargs={f"{kind}_id": pk})


def page_of(obj: Model) -> str:
    """The office's page of a record, or "" for a kind that has none."""
    kind = PAGES.get(obj._meta.label_lower)
    return page_url(kind, obj.pk) if kind else ""


def contact_url(pk: int) -> str:
    return page_url("contact", pk)


def property_url(pk: int) -> str:
    return page_url("property", pk)


def troubleshoot_url(contact_id: int) -> str:
    return reverse("office:contact-troubleshoot", kwargs={"contact_id": contact_id})
