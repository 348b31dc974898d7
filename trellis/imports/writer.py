"""Writing a validated import file, field by field under the ownership rules
(trellis.imports.ownership): a record is created whole; a record that exists
takes the file's value only for the fields Trellis has not changed since the
last import, and every field kept as Trellis has it is reported.

State changes the file asks for (a proposal sent or withdrawn, an invoice
issued or voided, a request closed, Include Client) go through the domain
services (trellis.imports.transitions), as do money (imported payments, then
the ledger) and the customer's decisions, which no import changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Model, Prefetch
from django.db.models.functions import Lower
from django.utils import timezone

from trellis.accounts.models import User
from trellis.accounts.profile import contact_email_changed
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment
from trellis.billing.recorded_payments import PaymentRecordRefused, payment_import
from trellis.billing.services import InvoiceChangeRefused, invoice_locked, invoice_set_lines
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.services import property_set_roles
from trellis.imports.fields import (
    ITEM_NAMES,
    LINE_NAMES,
    ImportResult,
    RecordFields,
    as_lines,
    issued_as_open,
    line_data,
    person_of,
    reversal_words,
    roles_of,
    set_planned,
    time_fields,
)
from trellis.imports.ownership import (
    Baselines,
    Kept,
    file_values,
    jsonable,
)
from trellis.imports.transitions import (
    INVOICE_PATHS,
    ISSUE_PATHS,
    PROPOSAL_PATHS,
    status_change,
)
from trellis.imports.validation import Document, Person, Record
from trellis.issues.models import Comment, Issue
from trellis.issues.services import RequestChangeRefused, request_include_client
from trellis.proposals.models import Proposal
from trellis.proposals.services import proposal_set_items

M = TypeVar("M", bound=Model)
BATCH = 1000

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "company_name", "language")
PROPERTY_FIELDS = ("name", "street", "city", "region", "postal_code")
PROPOSAL_FIELDS = ("number", "title", "valid_until", "notes", "printed_at", "emailed_at")
INVOICE_FIELDS = ("number", "issued_on", "due_on", "memo", "printed_at", "emailed_at")
ISSUE_FIELDS = ("subject", "description")
PAYMENT_FIELDS = ("amount", "received_on", "means", "reference")


def _xid(instance: Any) -> str | None:
    return instance.external_id if instance is not None else None


def _decision_words(proposal: Proposal) -> str:
    how = proposal.get_decided_via_display() or "outside Trellis"
    who = f" by {proposal.decided_by.full_name}" if proposal.decided_by else ""
    when = f" on {proposal.decided_at:%Y-%m-%d}" if proposal.decided_at else ""
    status = proposal.get_status_display().lower()
    return f"{status} {how}{who}{when}: the customer's decision is final"


class Writer:
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

    def fields(
        self,
        baselines: Baselines,
        record: Record,
        key: str,
        file: dict[str, Any],
        trellis: dict[str, Any] | None,
        locked: dict[str, str] | None = None,
    ) -> RecordFields:
        self.where = record.where
        return RecordFields(self.result, baselines, key, record.where, file, trellis, locked or {})

    # -- sections ----------------------------------------------------------------

    def write_company(self) -> None:
        data = self.document.company
        if data is None:
            return
        self.where = "company"
        baselines = Baselines("company")
        baselines.load(["company"])
        company = Company.objects.filter(id=Company.SINGLETON_ID).first()
        created = company is None
        company = company or Company(id=Company.SINGLETON_ID)
        trellis = None if created else {name: jsonable(getattr(company, name)) for name in data}
        fields = self.fields(
            baselines, Record("company", data), "company", file_values(data, data), trellis
        )
        if set_planned(company, data, data, fields) or created:
            company.save()
        fields.remember()
        baselines.save()
        self.result.count("company", created=created)

    def write_staff(self) -> None:
        baselines = Baselines("staff")
        baselines.load(record.data["email"].lower() for record in self.document.staff)
        emails = [record.data["email"].lower() for record in self.document.staff]
        existing = {
            user.email.lower(): user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                contact__isnull=True, email_lower__in=emails
            )
            if user.email
        }
        for record in self.document.staff:
            data = record.data
            key = data["email"].lower()
            user = existing.get(key)
            names = tuple(name for name in ("first_name", "last_name") if name in data)
            trellis = None if user is None else {n: getattr(user, n) for n in names}
            fields = self.fields(baselines, record, key, file_values(data, names), trellis)
            if user is None:
                # No password: they set one through "forgot password", or an
                # administrator does. Permissions are never imported.
                User.objects.create_user(
                    data["email"], password=None, is_staff=True, **{n: data[n] for n in names}
                )
            elif set_planned(user, data, names, fields):
                user.save(update_fields=[n for n in names if n in fields])
            fields.remember()
            self.result.count("staff", created=user is None)
        baselines.save()

    def write_contacts(self) -> None:
        baselines = Baselines("contacts")
        for record, existing in self._batches(Contact, self.document.contacts, baselines):
            contact, created = self._upsert(Contact, existing, record, "contacts")
            trellis = None if created else file_values(contact.__dict__, CONTACT_FIELDS)
            file = file_values(record.data, CONTACT_FIELDS)
            fields = self.fields(baselines, record, record.data["external_id"], file, trellis)
            old_email = contact.email
            if set_planned(contact, record.data, CONTACT_FIELDS, fields) or created:
                contact.save()
            if not created and "email" in fields and old_email and old_email != contact.email:
                contact_email_changed(contact=contact, old_email=old_email, changed_by=self.actor)
            fields.remember()
        baselines.save()

    def write_properties(self) -> None:
        baselines = Baselines("properties")
        roles = Prefetch("roles", queryset=PropertyContact.objects.select_related("contact"))
        contacts: dict[str, Contact] = {}

        def contacts_of(batch: list[Record]) -> None:
            wanted = {xid for record in batch for xid, _ in record.data["contacts"]}
            contacts.clear()
            contacts.update(Contact.objects.in_bulk(wanted, field_name="external_id"))

        for record, existing in self._batches(
            Property,
            self.document.properties,
            baselines,
            prefetch=[roles],
            each_batch=contacts_of,
        ):
            data = record.data
            prop, created = self._upsert(Property, existing, record, "properties")
            file = file_values(data, PROPERTY_FIELDS) | {"contacts": roles_of(data["contacts"])}
            trellis = None
            if not created:
                trellis = file_values(prop.__dict__, PROPERTY_FIELDS) | {
                    "contacts": roles_of(
                        (role.contact.external_id or f"#{role.contact_id}", role.role)
                        for role in prop.roles.all()
                    )
                }
            fields = self.fields(baselines, record, data["external_id"], file, trellis)
            if set_planned(prop, data, PROPERTY_FIELDS, fields) or created:
                prop.save()
            if "contacts" in fields:
                property_set_roles(
                    property=prop, roles=[(contacts[xid], role) for xid, role in data["contacts"]]
                )
            fields.remember()
        baselines.save()

    def write_proposals(self) -> None:
        baselines = Baselines("proposals")
        properties: dict[str, Property] = {}
        for record, existing in self._batches(
            Proposal,
            self.document.proposals,
            baselines,
            each_batch=lambda batch: self._properties(batch, properties),
            related=["property", "decided_by"],
            prefetch=["items"],
        ):
            data = record.data
            proposal, created = self._upsert(Proposal, existing, record, "proposals")
            simple = (*PROPOSAL_FIELDS, *time_fields(data))
            file = file_values(data, (*simple, "status", "items")) | {"property": data["property"]}
            trellis = None
            if not created:
                trellis = file_values(proposal.__dict__, (*simple, "status")) | {
                    "property": _xid(proposal.property),
                    "items": as_lines(proposal.items.all(), ITEM_NAMES),
                }
            locked = {}
            if not created and proposal.is_decided:
                locked = dict.fromkeys(Proposal.DECIDED_FIELDS, _decision_words(proposal))
            fields = self.fields(baselines, record, data["external_id"], file, trellis, locked)
            changed = set_planned(proposal, data, simple, fields)
            if "property" in fields:
                proposal.property = properties[data["property"]]
                changed = True
            if created:
                proposal.status = data["status"]
                if proposal.is_decided:
                    proposal.decided_via = Proposal.DecidedVia.IMPORT
            if created or "items" in fields:
                proposal_set_items(proposal=proposal, items=data["items"])
            elif changed:
                proposal.save()
            if not created and "status" in fields:
                self._status(fields, PROPOSAL_PATHS, proposal.pk, proposal.status, data["status"])
            fields.remember()
        baselines.save()

    def write_invoices(self) -> None:
        baselines = Baselines("invoices")
        payment_baselines = Baselines("payments")
        own_payments = Prefetch(
            "payments",
            queryset=Payment.objects.filter(status=Payment.Status.SUCCEEDED).exclude(
                source=Payment.Source.IMPORTED
            ),
            to_attr="trellis_payments",
        )
        properties: dict[str, Property] = {}
        payments: dict[str, Payment] = {}

        def payments_of(batch: list[Record]) -> None:
            self._properties(batch, properties)
            xids = [p.data["external_id"] for r in batch for p in r.data["payments"]]
            payments.clear()
            payments.update(Payment.objects.in_bulk(xids, field_name="external_id"))
            payment_baselines.load(xids)

        for record, existing in self._batches(
            Invoice,
            self.document.invoices,
            baselines,
            related=["property"],
            prefetch=["lines", own_payments],
            each_batch=payments_of,
        ):
            data = record.data
            invoice, created = self._upsert(Invoice, existing, record, "invoices")
            simple = (*INVOICE_FIELDS, *time_fields(data))
            file = file_values(data, (*simple, "status", "tax_rate", "lines")) | {
                "property": data["property"]
            }
            trellis = None
            if not created:
                trellis = file_values(invoice.__dict__, (*simple, "tax_rate")) | {
                    "status": issued_as_open(invoice.status),
                    "property": _xid(existing[data["external_id"]].property),
                    "lines": as_lines(existing[data["external_id"]].lines.all(), LINE_NAMES),
                }
            fields = self.fields(baselines, record, data["external_id"], file, trellis)
            set_planned(invoice, data, simple, fields)
            changed = [name for name in simple if name in fields]
            if "property" in fields:
                invoice.property = properties[data["property"]]
                changed.append("property")
            if created:
                invoice.status = data["status"]
            self._invoice_totals(invoice, data, fields, created=created, changed=changed)
            if not created and "status" in fields:
                current = issued_as_open(invoice.status)
                self._status(fields, INVOICE_PATHS, invoice.pk, current, data["status"])
                invoice.refresh_from_db()
            fields.remember()
            self._payments(invoice, data["payments"], payments, payment_baselines)
            if not created:
                self._own_payments(record, existing[data["external_id"]])
        baselines.save()
        payment_baselines.save()

    def _invoice_totals(
        self,
        invoice: Invoice,
        data: dict[str, Any],
        fields: RecordFields,
        *,
        created: bool,
        changed: list[str],
    ) -> None:
        """Save the invoice, through invoice_set_lines when its totals change;
        otherwise only the fields the file changed, never its money (payments
        may be settling through the portal as the import runs)."""
        if created or "lines" in fields or "tax_rate" in fields:
            old_rate = invoice.tax_rate
            if "tax_rate" in fields:
                invoice.tax_rate = data["tax_rate"]
            lines: list[Any] = data["lines"] if "lines" in fields else line_data(invoice)
            try:  # refused before it writes anything
                invoice_set_lines(invoice=invoice, lines=lines)
            except InvoiceChangeRefused as refused:
                invoice.tax_rate = old_rate
                for name in ("lines", "tax_rate"):
                    fields.refused(name, refused.message.rstrip("."))
                invoice.refresh_from_db()
                set_planned(invoice, data, (*INVOICE_FIELDS, *time_fields(data)), fields)
                if changed:
                    invoice.save(update_fields=[*changed, "updated_at"])
        elif changed:
            invoice.save(update_fields=[*changed, "updated_at"])

    def _payments(
        self,
        invoice: Invoice,
        records: list[Record],
        existing: dict[str, Payment],
        baselines: Baselines,
    ) -> None:
        """The invoice's payments as the file has them, then, if any was written,
        its money derived again, with the invoice locked against payments
        settling through the portal meanwhile. Nothing to write, nothing written."""
        planned = []
        for record in records:
            xid = record.data["external_id"]
            payment = existing.get(xid)
            trellis = None if payment is None else file_values(payment.__dict__, PAYMENT_FIELDS)
            locked = {}
            if payment is not None and payment.status == Payment.Status.REVERSED:
                locked = dict.fromkeys(PAYMENT_FIELDS, reversal_words(payment))
            file = file_values(record.data, PAYMENT_FIELDS)
            planned.append(
                (record, payment, self.fields(baselines, record, xid, file, trellis, locked))
            )
        if any(fields.writes for _, _, fields in planned):
            invoice = invoice_locked(invoice_id=invoice.pk)
        written = False
        for record, payment, fields in planned:
            data = record.data
            if fields.writes:
                self.where = record.where
                try:  # refused before it writes anything
                    existing[data["external_id"]] = payment_import(
                        invoice=invoice,
                        external_id=data["external_id"],
                        amount=data["amount"] if "amount" in fields else payment.amount,  # type: ignore[union-attr]
                        received_on=data["received_on"],
                        means=data["means"],
                        reference=data["reference"],
                        completed_at=data.get("paid_at"),
                        payment=payment,
                    )
                except PaymentRecordRefused as refused:
                    for name in list(fields.writes):
                        fields.refused(name, refused.message.rstrip("."))
                else:
                    written = True
                    self.result.count("payments", created=payment is None)
            elif payment is not None:
                self.result.count("payments", created=False)
            fields.remember()
        if written:
            invoice_settle(invoice=invoice)

    def _own_payments(self, record: Record, invoice: Invoice) -> None:
        """Say what was paid in Trellis (the portal, staff), which no file undoes."""
        own: list[Payment] = getattr(invoice, "trellis_payments", [])
        if not own:
            return
        total = sum((payment.amount for payment in own), Decimal(0))
        how = ", ".join(sorted({payment.get_source_display().lower() for payment in own}))
        count = len(own)
        self.result.kept.append(
            Kept(
                record.where,
                "payments",
                f"{total} in {count} payment{'s' if count != 1 else ''}",
                "none",
                f"{how}; money received is never undone by an import",
            )
        )

    def _status(
        self,
        fields: RecordFields,
        paths: dict[tuple[str, str], Any],
        pk: int,
        current: str,
        wanted: str,
    ) -> None:
        problem = status_change(paths=paths, pk=pk, current=current, wanted=wanted)
        if problem:
            fields.refused("status", problem)

    def write_issues(self) -> None:
        baselines = Baselines("issues")
        comment_baselines = Baselines("comments")
        properties: dict[str, Property] = {}
        comments: dict[str, Comment] = {}

        def comments_of(batch: list[Record]) -> None:
            self._properties(batch, properties)
            records = [comment for issue in batch for comment in issue.data["comments"]]
            comment_baselines.load(record.data["external_id"] for record in records)
            comments.clear()
            comments.update(
                self._existing(Comment, records, related=["issue", "author_user", "author_contact"])
            )

        for record, existing in self._batches(
            Issue,
            self.document.issues,
            baselines,
            related=["property", "created_by_user", "created_by_contact"],
            each_batch=comments_of,
        ):
            data = record.data
            issue, created = self._upsert(Issue, existing, record, "issues")
            simple = (*ISSUE_FIELDS, *time_fields(data))
            file = file_values(data, (*simple, "status", "include_client")) | {
                "property": data["property"],
                "created_by": jsonable(data["created_by"]),
            }
            trellis = None
            if not created:
                trellis = file_values(issue.__dict__, (*simple, "status", "include_client")) | {
                    "property": _xid(issue.property),
                    "created_by": person_of(issue.created_by_user, issue.created_by_contact),
                }
            fields = self.fields(baselines, record, data["external_id"], file, trellis)
            changed = set_planned(issue, data, simple, fields)
            if "property" in fields:
                issue.property = properties[data["property"]]
                changed = True
            if "created_by" in fields:
                issue.created_by_user, issue.created_by_contact = self._person(data["created_by"])
                changed = True
            if created:
                issue.status = data["status"]
                issue.include_client = data["include_client"]
                issue.closed_at = timezone.now() if issue.status == Issue.Status.CLOSED else None
            if created or changed:
                issue.save()
            if not created:
                self._issue_changes(issue, data, fields)
            fields.remember()
            for comment_record in data["comments"]:
                self._comment(issue, comment_record, comments, comment_baselines)
        baselines.save()
        comment_baselines.save()

    def _issue_changes(self, issue: Issue, data: dict[str, Any], fields: RecordFields) -> None:
        if "status" in fields:
            self._status(fields, ISSUE_PATHS, issue.pk, issue.status, data["status"])
        if "include_client" in fields:
            try:
                request_include_client(
                    issue_id=issue.pk, actor=None, include=data["include_client"]
                )
            except RequestChangeRefused as refused:
                fields.refused("include_client", refused.message.rstrip("."))

    def _comment(
        self,
        issue: Issue,
        record: Record,
        existing: dict[str, Comment],
        baselines: Baselines,
    ) -> None:
        data = record.data
        comment, created = self._upsert(Comment, existing, record, "comments")
        simple = ("body", *time_fields(data))
        file = file_values(data, simple) | {
            "issue": issue.external_id,
            "public": data["public"],
            "author": jsonable(data["author"]),
        }
        trellis = None
        if not created:
            trellis = file_values(comment.__dict__, simple) | {
                "issue": _xid(comment.issue),
                "public": comment.is_public,
                "author": person_of(comment.author_user, comment.author_contact),
            }
        fields = self.fields(baselines, record, data["external_id"], file, trellis)
        if "issue" in fields:
            comment.issue = issue
        if "public" in fields:
            comment.is_public = data["public"]
        if "author" in fields:
            comment.author_user, comment.author_contact = self._person(data["author"])
        set_planned(comment, data, simple, fields)
        if created or fields.writes:
            comment.save()
        fields.remember()

    # -- helpers ---------------------------------------------------------------

    def _batches(
        self,
        model: type[M],
        records: list[Record],
        baselines: Baselines,
        *,
        related: Iterable[str] = (),
        prefetch: Iterable[Any] = (),
        each_batch: Callable[[list[Record]], None] | None = None,
    ) -> Iterator[tuple[Record, dict[str, M]]]:
        """Each record, with the instances of its batch that exist already
        (by external id): memory stays one batch wide, however long the file."""
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            existing = self._existing(model, batch, related=related, prefetch=prefetch)
            baselines.load(record.data["external_id"] for record in batch)
            if each_batch is not None:
                each_batch(batch)
            for record in batch:
                yield record, existing

    def _existing(
        self,
        model: type[M],
        records: list[Record],
        *,
        related: Iterable[str] = (),
        prefetch: Iterable[Any] = (),
    ) -> dict[str, M]:
        xids = [record.data["external_id"] for record in records]
        found: dict[str, M] = {}
        for start in range(0, len(xids), BATCH):
            queryset = model._default_manager.filter(external_id__in=xids[start : start + BATCH])
            for instance in queryset.select_related(*related).prefetch_related(*prefetch):
                found[instance.external_id] = instance  # type: ignore[attr-defined]
        return found

    def _upsert(
        self, model: type[M], existing: dict[str, M], record: Record, kind: str
    ) -> tuple[M, bool]:
        self.where = record.where
        xid = record.data["external_id"]
        instance = existing.get(xid)
        created = instance is None
        self.result.count(kind, created=created)
        if instance is None:
            instance = model(external_id=xid)
            existing[xid] = instance
        return instance, created

    def _properties(self, records: list[Record], properties: dict[str, Property]) -> None:
        """Make `properties` the properties these records name, by external id."""
        properties.clear()
        properties.update(
            Property.objects.in_bulk(
                {record.data["property"] for record in records}, field_name="external_id"
            )
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
