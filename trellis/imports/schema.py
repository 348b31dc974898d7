"""The fields of each kind of record in an import file, as Django form fields.

Lengths, decimal places and validators come from the model fields, so a limit
is stated once, and the messages are Django's usual ones ("Enter a valid email
address."). Each field's `initial` is the value an absent field takes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import DomainNameValidator
from django.db import models
from django.utils.dateparse import parse_datetime

from trellis.accounts.models import User
from trellis.billing.models import Invoice, InvoiceLine, Payment
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal, ProposalItem

Schema = dict[str, forms.Field]


class TextField(forms.CharField):
    """Text that must be a JSON string (or null when optional): a number or a
    list where text belongs is a mistake in the file, not something to coerce."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError("Enter text, as a JSON string.", code="invalid")
        return super().to_python(value)


class StrictBooleanField(forms.Field):
    """A JSON true or false; null or absent takes the field's `initial`."""

    def to_python(self, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        raise ValidationError("Enter true or false.", code="invalid")


class TimeField(forms.DateTimeField):
    """An ISO 8601 time; one without an offset is UTC, whatever TIME_ZONE says."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)


class DayField(forms.DateField):
    """A date written YYYY-MM-DD, as a JSON string."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def from_model(
    model: type[models.Model], name: str, *, required: bool = False, **kwargs: Any
) -> forms.Field:
    """The model field's form field, also checking the validators declared on the
    model field (a form field checks only its own, the model's run in full_clean)."""
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise ImproperlyConfigured(f"{model.__name__}.{name} is not a concrete field.")
    if isinstance(model_field, models.CharField) and not isinstance(model_field, models.EmailField):
        kwargs.setdefault("form_class", TextField)
    form_field = model_field.formfield(required=required, **kwargs)
    if form_field is None:
        raise ImproperlyConfigured(f"{model.__name__}.{name} has no form field.")
    form_field.validators += [v for v in model_field.validators if v not in form_field.validators]
    return form_field


def choice(choices: list[tuple[str, Any]], *, default: str) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, required=False, initial=default)


def boolean(*, default: bool = False) -> StrictBooleanField:
    return StrictBooleanField(required=False, initial=default)


def time() -> TimeField:
    return TimeField(required=False)


def date(*, required: bool) -> DayField:
    return DayField(required=required)


def external_id(model: type[models.Model]) -> forms.Field:
    return from_model(model, "external_id", required=True, empty_value="")


def reference() -> TextField:
    """An external id (or a staff email) naming another record; resolved later."""
    return TextField(required=True)


DOMAIN = TextField(required=True, validators=[DomainNameValidator()])

COMPANY: Schema = {
    "name": from_model(Company, "name"),
    "currency": from_model(Company, "currency"),
    "brand_colour": from_model(Company, "brand_colour"),
    "sending_address": from_model(Company, "sending_address"),
    "proposals_enabled": boolean(),
    "invoices_enabled": boolean(),
    "requests_enabled": boolean(),
}
COMPANY_NESTED = ("verified_sending_domains",)

STAFF: Schema = {
    "email": from_model(User, "email", required=True),
    "first_name": from_model(User, "first_name"),
    "last_name": from_model(User, "last_name"),
}

CONTACT: Schema = {
    "external_id": external_id(Contact),
    "first_name": from_model(Contact, "first_name", required=True),
    "last_name": from_model(Contact, "last_name"),
    "email": from_model(Contact, "email"),
    "phone": from_model(Contact, "phone"),
    "company_name": from_model(Contact, "company_name"),
    "language": choice(Contact._meta.get_field("language").choices, default="en"),  # type: ignore[arg-type]
}

PROPERTY: Schema = {
    "external_id": external_id(Property),
    "name": from_model(Property, "name", required=True),
    "street": from_model(Property, "street"),
    "city": from_model(Property, "city"),
    "region": from_model(Property, "region"),
    "postal_code": from_model(Property, "postal_code"),
}
PROPERTY_NESTED = ("contacts",)

ROLE: Schema = {
    "contact": reference(),
    "role": forms.ChoiceField(choices=PropertyContact.Role.choices, required=True),
}

PROPOSAL: Schema = {
    "external_id": external_id(Proposal),
    "property": reference(),
    "number": from_model(Proposal, "number", required=True),
    "title": from_model(Proposal, "title", required=True),
    "status": choice(Proposal.Status.choices, default=Proposal.Status.DRAFT),
    "valid_until": date(required=False),
    "notes": TextField(required=False),
    "created_at": time(),
    "printed_at": time(),
    "emailed_at": time(),
}
PROPOSAL_NESTED = ("items",)

ITEM: Schema = {
    "description": from_model(ProposalItem, "description", required=True),
    "quantity": from_model(ProposalItem, "quantity", initial=Decimal(1)),
    "unit_price": from_model(ProposalItem, "unit_price", required=True),
    "optional": boolean(),
    "chosen": boolean(),
}

# An import names only the statuses a person sets; open becomes partially paid
# or paid from its payments (trellis.billing.ledger).
IMPORTED_INVOICE_STATUSES = [
    (status.value, status.label)
    for status in (Invoice.Status.DRAFT, Invoice.Status.OPEN, Invoice.Status.VOID)
]

INVOICE: Schema = {
    "external_id": external_id(Invoice),
    "property": reference(),
    "number": from_model(Invoice, "number", required=True),
    "status": choice(IMPORTED_INVOICE_STATUSES, default=Invoice.Status.OPEN),
    "issued_on": date(required=True),
    "due_on": date(required=True),
    "tax_rate": from_model(Invoice, "tax_rate", initial=Decimal(0)),
    # Files from before payments were records: read as one imported payment.
    "amount_paid": from_model(Invoice, "amount_paid", initial=Decimal(0)),
    "memo": TextField(required=False),
    "created_at": time(),
    "paid_at": time(),
    "printed_at": time(),
    "emailed_at": time(),
}
INVOICE_NESTED = ("lines", "payments")

PAYMENT: Schema = {
    "external_id": external_id(Payment),
    "amount": from_model(Payment, "amount", required=True),
    "received_on": date(required=True),
    "means": choice(Payment.Means.choices, default=Payment.Means.OTHER),
    "reference": from_model(Payment, "reference"),
}

LINE: Schema = {
    "description": from_model(InvoiceLine, "description", required=True),
    "quantity": from_model(InvoiceLine, "quantity", initial=Decimal(1)),
    "unit_price": from_model(InvoiceLine, "unit_price", required=True),
    "taxable": boolean(default=True),
}

ISSUE: Schema = {
    "external_id": external_id(Issue),
    "property": reference(),
    "subject": from_model(Issue, "subject", required=True),
    "description": TextField(required=False),
    "status": choice(Issue.Status.choices, default=Issue.Status.OPEN),
    "include_client": boolean(),
    "created_at": time(),
}
ISSUE_NESTED = ("created_by", "comments")

COMMENT: Schema = {
    "external_id": external_id(Comment),
    "body": TextField(required=True),
    "public": boolean(),
    "created_at": time(),
}
COMMENT_NESTED = ("author",)

PERSON_KINDS = ("staff", "contact")
