"""Importing a company's customers and their documents from one JSON document.

The format is docs/import-format.md. The whole file is checked first
(validation.py); only a file without problems is written, in one transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from django.db import DataError, IntegrityError, transaction
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone

from trellis.accounts.models import User
from trellis.accounts.profile import contact_email_changed
from trellis.audit.services import audit_record
from trellis.billing.models import Invoice
from trellis.billing.services import invoice_set_lines
from trellis.company.models import Company
from trellis.customers.models import Contact, Property
from trellis.customers.services import property_set_roles
from trellis.imports.validation import Document, Person, Record, validate_document
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal
from trellis.proposals.services import proposal_set_items

M = TypeVar("M", bound=Model)

COUNTED = (
    "company",
    "staff",
    "contacts",
    "properties",
    "proposals",
    "invoices",
    "issues",
    "comments",
)


class ImportRejected(Exception):
    """The file was not imported; `problems` lists every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportResult:
    """How many records of each kind the import created, and how many it
    updated: those that already existed, whether or not a field changed."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {"created": self.created[kind], "updated": self.updated[kind]} for kind in COUNTED
        }

    def count(self, kind: str, *, created: bool) -> None:
        (self.created if created else self.updated)[kind] += 1


def parse_document(text: str | bytes) -> Any:
    """Parse an import file's JSON, reading every number as an exact Decimal.

    Raises ValueError (json.JSONDecodeError for a syntax error) for text that is
    not JSON, a NaN or Infinity, or an object that repeats a key.
    """
    return json.loads(
        text,
        parse_float=Decimal,
        parse_constant=_refuse_constant,
        object_pairs_hook=_object_without_repeated_keys,
    )


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number an import file may hold")


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'the key "{key}" appears twice in one object')
        result[key] = value
    return result


def import_document(*, data: object, actor: User | None = None) -> ImportResult:
    """Import a parsed import file (see `parse_document`), all or nothing.

    Raises ImportRejected, having changed nothing, when the file has problems
    or the database refuses a record (say, one written meanwhile took its
    number). Records are matched by external id, staff by email, so importing
    the same file again updates rather than duplicates.
    """
    document, problems = validate_document(data)
    if problems:
        raise ImportRejected(problems)
    writer = _Writer(document, actor=actor)
    try:
        with transaction.atomic():
            result = writer.write()
            audit_record(action="import.completed", actor=actor, data=result.counts)
    except (IntegrityError, DataError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImportRejected([f"{writer.where}: the database refused it: {reason}"]) from error
    return result


def _set(instance: Model, data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        setattr(instance, name, data[name])


def _keep_or_set_created_at(
    instance: Issue | Comment | Proposal | Invoice, data: dict[str, Any]
) -> None:
    # Absent, created_at is "now" on the first import and left alone after that.
    if data.get("created_at") is not None:
        instance.created_at = data["created_at"]


class _Writer:
    """Writes a validated document; `where` names the record being written, so
    a refusal by the database can be reported against it."""

    def __init__(self, document: Document, *, actor: User | None) -> None:
        self.document = document
        self.actor = actor
        self.result = ImportResult()
        self.where = "file"
        self.people: dict[Person, User | Contact] = {}

    def write(self) -> ImportResult:
        self.write_company()
        self.write_staff()
        self.write_contacts()
        self.write_properties()
        self.write_proposals()
        self.write_invoices()
        self.write_issues()
        self.where = "file"
        return self.result

    def write_company(self) -> None:
        data = self.document.company
        if data is None:
            return
        self.where = "company"
        company, created = Company.objects.get_or_create(id=Company.SINGLETON_ID)
        _set(company, data, tuple(data))
        company.save()
        self.result.count("company", created=created)

    def write_staff(self) -> None:
        emails = [record.data["email"].lower() for record in self.document.staff]
        existing = {
            user.email.lower(): user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                contact__isnull=True, email_lower__in=emails
            )
            if user.email
        }
        for record in self.document.staff:
            self.where = record.where
            data = record.data
            user = existing.get(data["email"].lower())
            names = {name: data[name] for name in ("first_name", "last_name") if name in data}
            if user is None:
                # No password: they set one through "forgot password", or an
                # administrator does. Permissions are never imported.
                User.objects.create_user(data["email"], password=None, is_staff=True, **names)
            else:
                _set(user, names, tuple(names))
                user.save(update_fields=tuple(names))
            self.result.count("staff", created=user is None)

    def write_contacts(self) -> None:
        existing = self._existing(Contact, self.document.contacts)
        for record in self.document.contacts:
            contact = self._upsert(Contact, existing, record, "contacts")
            old_email = contact.email if contact.pk else ""
            fields = ("first_name", "last_name", "email", "phone", "company_name", "language")
            _set(contact, record.data, fields)
            contact.save()
            if contact.pk and old_email and old_email != contact.email:
                contact_email_changed(contact=contact, old_email=old_email, changed_by=self.actor)

    def write_properties(self) -> None:
        existing = self._existing(Property, self.document.properties)
        wanted = {xid for record in self.document.properties for xid, _ in record.data["contacts"]}
        contacts = Contact.objects.in_bulk(wanted, field_name="external_id")
        for record in self.document.properties:
            property = self._upsert(Property, existing, record, "properties")
            _set(property, record.data, ("name", "street", "city", "region", "postal_code"))
            property.save()
            roles = [(contacts[xid], role) for xid, role in record.data["contacts"]]
            property_set_roles(property=property, roles=roles)

    def write_proposals(self) -> None:
        existing = self._existing(Proposal, self.document.proposals)
        properties = self._properties(self.document.proposals)
        for record in self.document.proposals:
            data = record.data
            proposal = self._upsert(Proposal, existing, record, "proposals")
            proposal.property = properties[data["property"]]
            _set(proposal, data, ("number", "title", "status", "valid_until", "notes"))
            _set(proposal, data, ("printed_at", "emailed_at"))
            _keep_or_set_created_at(proposal, data)
            proposal_set_items(proposal=proposal, items=data["items"])

    def write_invoices(self) -> None:
        existing = self._existing(Invoice, self.document.invoices)
        properties = self._properties(self.document.invoices)
        for record in self.document.invoices:
            data = record.data
            invoice = self._upsert(Invoice, existing, record, "invoices")
            invoice.property = properties[data["property"]]
            _set(invoice, data, ("number", "status", "issued_on", "due_on", "tax_rate"))
            _set(invoice, data, ("amount_paid", "memo", "printed_at", "emailed_at"))
            _keep_or_set_created_at(invoice, data)
            if data.get("paid_at") is not None:
                invoice.paid_at = data["paid_at"]
            # Totals, and for an open invoice its paid status, follow from the lines.
            invoice_set_lines(invoice=invoice, lines=data["lines"])

    def write_issues(self) -> None:
        existing = self._existing(Issue, self.document.issues)
        properties = self._properties(self.document.issues)
        comments = [comment for issue in self.document.issues for comment in issue.data["comments"]]
        existing_comments = self._existing(Comment, comments)
        for record in self.document.issues:
            data = record.data
            issue = self._upsert(Issue, existing, record, "issues")
            issue.property = properties[data["property"]]
            _set(issue, data, ("subject", "description", "status", "include_client"))
            issue.created_by_user, issue.created_by_contact = self._person(data["created_by"])
            _keep_or_set_created_at(issue, data)
            if issue.status != Issue.Status.CLOSED:
                issue.closed_at = None
            elif issue.closed_at is None:
                issue.closed_at = timezone.now()
            issue.save()
            for comment_record in data["comments"]:
                comment = self._upsert(Comment, existing_comments, comment_record, "comments")
                comment.issue = issue
                comment.body = comment_record.data["body"]
                comment.is_public = comment_record.data["public"]
                comment.author_user, comment.author_contact = self._person(
                    comment_record.data["author"]
                )
                _keep_or_set_created_at(comment, comment_record.data)
                comment.save()

    # -- helpers ---------------------------------------------------------------

    def _existing(self, model: type[M], records: list[Record]) -> dict[str, M]:
        xids = [record.data["external_id"] for record in records]
        return model._default_manager.in_bulk(xids, field_name="external_id")

    def _upsert(self, model: type[M], existing: dict[str, M], record: Record, kind: str) -> M:
        self.where = record.where
        xid = record.data["external_id"]
        instance = existing.get(xid)
        self.result.count(kind, created=instance is None)
        if instance is None:
            instance = model(external_id=xid)
            existing[xid] = instance
        return instance

    def _properties(self, records: list[Record]) -> dict[str, Property]:
        return Property.objects.in_bulk(
            {record.data["property"] for record in records}, field_name="external_id"
        )

    def _person(self, person: Person | None) -> tuple[User | None, Contact | None]:
        """(user, contact) for an author or creator: at most one is set."""
        if person is None:
            return None, None
        if person not in self.people:
            if person.kind == "contact":
                self.people[person] = Contact.objects.get(external_id=person.key)
            else:
                self.people[person] = User.objects.get(
                    email__iexact=person.key, contact__isnull=True
                )
        found = self.people[person]
        return (None, found) if isinstance(found, Contact) else (found, None)
