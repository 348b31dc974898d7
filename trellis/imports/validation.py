"""Checking a whole import file, against the format and the database, before
anything is written. Every problem is collected, not just the first."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.db.models.functions import Lower

from trellis.accounts.models import User
from trellis.accounts.profile import contact_email_check
from trellis.billing.models import Invoice
from trellis.billing.services import LineData, invoice_totals
from trellis.customers.models import Contact, Property
from trellis.imports import schema
from trellis.imports.checks import Checker, quote, record_label, unknown
from trellis.imports.models import ImportedRecord
from trellis.proposals.models import Proposal
from trellis.proposals.services import ItemData

SECTIONS = ("company", "staff", "contacts", "properties", "proposals", "invoices", "issues")
ONE_PER_PROPERTY = ("primary", "billing")
PERSON_FORMAT = 'write {"staff": EMAIL} or {"contact": EXTERNAL_ID}.'


class Person(NamedTuple):
    """Who wrote or raised something: ("staff", lower-case email) or ("contact", external id)."""

    kind: str
    key: str


@dataclass
class Record:
    """A record as it will be written: where it is in the file, and its cleaned fields."""

    where: str
    data: dict[str, Any]


@dataclass
class Document:
    company: dict[str, Any] | None = None
    staff: list[Record] = field(default_factory=list)
    contacts: list[Record] = field(default_factory=list)
    properties: list[Record] = field(default_factory=list)
    proposals: list[Record] = field(default_factory=list)
    invoices: list[Record] = field(default_factory=list)
    issues: list[Record] = field(default_factory=list)


def validate_document(data: object) -> tuple[Document, list[str]]:
    """Check a parsed import file against the format and the database.

    Returns the cleaned document and every problem found, in file order; the
    document is only fit to write when there are no problems.
    """
    checker = _DocumentChecker(SECTIONS)
    document = checker.check(data)
    return document, checker.problems()


class _DocumentChecker(Checker):
    def __init__(self, sections: tuple[str, ...]) -> None:
        super().__init__(sections)
        # The keys each kind of record has in the file, for references to it.
        self.in_file: dict[str, set[str]] = {"contact": set(), "property": set(), "staff": set()}

    def check(self, data: object) -> Document:
        if not isinstance(data, dict):
            self.problem("file", None, 'must hold one JSON object, like {"contacts": [...]}.')
            return Document()
        for name in data:
            if name not in SECTIONS:
                self.problem(name, None, unknown(name, SECTIONS, "section"))
        document = Document(
            company=self.check_company(data.get("company")),
            staff=self.check_staff(data),
            contacts=self.check_contacts(data),
            properties=self.check_properties(data),
            proposals=self.check_proposals(data),
            invoices=self.check_invoices(data),
            issues=self.check_issues(data),
        )
        self.check_references()
        return document

    def check_company(self, raw: object) -> dict[str, Any] | None:
        if raw is None or not self.is_object(raw, where="company"):
            return None
        cleaned = self.clean(raw, schema.COMPANY, where="company", nested=schema.COMPANY_NESTED)
        # The company is one row of settings: a field the file leaves out stays as it is.
        cleaned = {name: value for name, value in cleaned.items() if name in raw}
        domains = raw.get("verified_sending_domains")
        if domains is not None and not isinstance(domains, list):
            self.problem("company", "verified_sending_domains", "must be a JSON list.")
        elif domains is not None:
            cleaned["verified_sending_domains"] = [
                self.clean_value(
                    schema.DOMAIN, domain, where="company", field=f"verified_sending_domains[{i}]"
                )
                for i, domain in enumerate(domains)
            ]
        return cleaned

    def check_staff(self, data: dict[str, Any]) -> list[Record]:
        records: list[Record] = []
        seen: dict[str, str] = {}
        for index, raw, where in self.section(data, "staff", key="email"):
            cleaned = self.clean(raw, schema.STAFF, where=where)
            if "email" in cleaned:
                key = cleaned["email"].lower()
                self.unique(seen, key, where=where, field="email", position=f"staff[{index}]")
                self.in_file["staff"].add(key)
            # Names the file leaves out are left as they are: staff keep their own.
            records.append(Record(where, {k: v for k, v in cleaned.items() if k in raw}))
        return records

    def check_contacts(self, data: dict[str, Any]) -> list[Record]:
        records: list[Record] = []
        seen: dict[str, str] = {}
        for index, raw, where in self.section(data, "contacts"):
            cleaned = self.clean(raw, schema.CONTACT, where=where)
            self.external_id(
                cleaned, seen, where=where, position=f"contacts[{index}]", kind="contact"
            )
            records.append(Record(where, cleaned))
        self.sign_in_emails_still_usable(records)
        return records

    def sign_in_emails_still_usable(self, records: list[Record]) -> None:
        """A contact with a portal account signs in with its email: an import
        may change it, but not to nothing or to another account's."""
        with_accounts = Contact.objects.filter(
            external_id__in=[r.data["external_id"] for r in records if "external_id" in r.data],
            portal_account__isnull=False,
        ).in_bulk(field_name="external_id")
        last_emails = {
            record.key: record.values.get("email")
            for record in ImportedRecord.objects.filter(section="contacts", key__in=with_accounts)
        }
        for record in records:
            contact = with_accounts.get(record.data.get("external_id", ""))
            email = record.data.get("email")
            if contact is None or email is None or email == contact.email:
                continue
            if last_emails.get(contact.external_id or "") == email:
                continue  # the file did not change it: the import keeps Trellis's
            if not email:
                self.problem(
                    record.where, "email", "this contact signs in to the portal, so it needs one."
                )
                continue
            try:
                contact_email_check(contact=contact, email=email)
            except ValidationError as error:
                self.problem(record.where, "email", " ".join(error.messages))

    def external_id(
        self, cleaned: dict[str, Any], seen: dict[str, str], *, where: str, position: str, kind: str
    ) -> None:
        if "external_id" in cleaned:
            xid = cleaned["external_id"]
            self.unique(seen, xid, where=where, field="external_id", position=position)
            self.in_file.get(kind, set()).add(xid)

    def check_properties(self, data: dict[str, Any]) -> list[Record]:
        records: list[Record] = []
        seen: dict[str, str] = {}
        for index, raw, where in self.section(data, "properties"):
            cleaned = self.clean(raw, schema.PROPERTY, where=where, nested=schema.PROPERTY_NESTED)
            position = f"properties[{index}]"
            self.external_id(cleaned, seen, where=where, position=position, kind="property")
            roles, _ = self.clean_list(raw, "contacts", schema.ROLE, where=where)
            cleaned["contacts"] = self.check_roles(roles, where=where)
            records.append(Record(where, cleaned))
        return records

    def check_roles(
        self, roles: list[tuple[int, dict[str, Any]]], *, where: str
    ) -> list[tuple[str, str]]:
        """The (contact, role) pairs; a role held twice, or a second primary or
        billing contact, is a problem."""
        held: dict[tuple[str, str], int] = {}
        holder: dict[str, int] = {}
        for i, entry in roles:
            contact, role = entry["contact"], entry["role"]
            self.refer(where, f"contacts[{i}].contact", "contact", contact)
            if (contact, role) in held:
                first = held[contact, role]
                self.problem(
                    where,
                    f"contacts[{i}]",
                    f"{quote(contact)} is listed as {role} twice (first at contacts[{first}]).",
                )
            elif role in ONE_PER_PROPERTY and role in holder:
                self.problem(
                    where,
                    f"contacts[{i}].role",
                    f"the property already has a {role} contact (contacts[{holder[role]}]); "
                    "it can have only one.",
                )
            held.setdefault((contact, role), i)
            holder.setdefault(role, i)
        return list(held)

    def check_proposals(self, data: dict[str, Any]) -> list[Record]:
        records: list[Record] = []
        seen: dict[str, str] = {}
        numbers: dict[str, str] = {}
        for index, raw, where in self.section(data, "proposals"):
            cleaned = self.clean(raw, schema.PROPOSAL, where=where, nested=schema.PROPOSAL_NESTED)
            position = f"proposals[{index}]"
            self.external_id(cleaned, seen, where=where, position=position, kind="proposal")
            self.check_document(cleaned, numbers, where=where, position=position)
            items, _ = self.clean_list(raw, "items", schema.ITEM, where=where, at_least_one="item")
            for i, item in items:
                if item["chosen"] and not item["optional"]:
                    self.problem(
                        where, f"items[{i}].chosen", "only an optional item can be chosen."
                    )
            cleaned["items"] = [ItemData(**item) for _, item in items]  # type: ignore[typeddict-item]
            records.append(Record(where, cleaned))
        self.numbers_free_in_database(Proposal, records, section="proposals")
        return records

    def check_document(
        self, cleaned: dict[str, Any], numbers: dict[str, str], *, where: str, position: str
    ) -> None:
        """What proposals and invoices have in common: a property, a unique
        number, and no draft that was printed or emailed (a draft is never in
        front of the customer; printing or emailing it is what sends it)."""
        if "property" in cleaned:
            self.refer(where, "property", "property", cleaned["property"])
        if "number" in cleaned:
            self.unique(numbers, cleaned["number"], where=where, field="number", position=position)
        if cleaned.get("status") == "draft":
            published = [name for name in ("printed_at", "emailed_at") if cleaned.get(name)]
            if published:
                self.problem(
                    where,
                    "status",
                    f"a draft can't have been printed or emailed, but this one has "
                    f"{' and '.join(published)}: give its status (sent, open, …) "
                    "or leave printed_at and emailed_at out.",
                )

    def numbers_free_in_database(
        self, model: type[Model], records: list[Record], *, section: str
    ) -> None:
        """A number in the file must not be another record's in the database."""
        wanted = {r.data["number"]: (i, r) for i, r in enumerate(records) if "number" in r.data}
        owners = model._default_manager.filter(number__in=wanted).values_list(
            "number", "external_id"
        )
        for number, owner in owners:
            index, record = wanted[number]
            if owner is None or owner != record.data.get("external_id"):
                self.at(section, index)
                other = f" (external_id {quote(owner)})" if owner else ""
                self.problem(
                    record.where,
                    "number",
                    f"{quote(number)} is already the number of another "
                    f"{model._meta.verbose_name}{other} in the database.",
                )

    def check_invoices(self, data: dict[str, Any]) -> list[Record]:
        records: list[Record] = []
        seen: dict[str, str] = {}
        numbers: dict[str, str] = {}
        payments: dict[str, str] = {}
        for index, raw, where in self.section(data, "invoices"):
            cleaned = self.clean(raw, schema.INVOICE, where=where, nested=schema.INVOICE_NESTED)
            position = f"invoices[{index}]"
            self.external_id(cleaned, seen, where=where, position=position, kind="invoice")
            self.check_document(cleaned, numbers, where=where, position=position)
            issued_on, due_on = cleaned.get("issued_on"), cleaned.get("due_on")
            if issued_on and due_on and due_on < issued_on:
                self.problem(where, "due_on", f"must not be before issued_on ({issued_on}).")
            lines, all_clean = self.clean_list(
                raw, "lines", schema.LINE, where=where, at_least_one="line"
            )
            cleaned["lines"] = [LineData(**line) for _, line in lines]  # type: ignore[typeddict-item]
            cleaned["payments"] = self.check_payments(raw, cleaned, payments, where=where)
            if all_clean and lines:
                self.check_amounts(cleaned, raw, where=where)
            records.append(Record(where, cleaned))
        self.numbers_free_in_database(Invoice, records, section="invoices")
        return records

    def check_payments(
        self,
        raw: dict[str, Any],
        cleaned: dict[str, Any],
        seen: dict[str, str],
        *,
        where: str,
    ) -> list[Record]:
        """The invoice's payments, each a record of its own. A file of the old
        form gives `amount_paid` instead: it is read as one imported payment,
        keyed by the invoice's external id, received when the invoice was paid
        (`paid_at`) or else on the day it was issued."""
        entries, _ = self.clean_list(raw, "payments", schema.PAYMENT, where=where)
        records = []
        for i, entry in entries:
            label = f"{where}: {record_label('payments', i, entry)}"
            self.unique(
                seen,
                entry["external_id"],
                where=where,
                field=f"payments[{i}].external_id",
                position=f"{where.split(' ', 1)[0]}.payments[{i}]",
            )
            records.append(Record(label, {**entry, "paid_at": None}))
        paid = cleaned.get("amount_paid") or Decimal(0)
        if "amount_paid" in raw and "payments" in raw:
            self.problem(where, "amount_paid", "give the payments or amount_paid, not both.")
        elif paid > 0 and "external_id" in cleaned:
            paid_at = cleaned.get("paid_at")
            received_on = paid_at.date() if paid_at else cleaned.get("issued_on")
            legacy = {
                "external_id": f"{cleaned['external_id']}/amount_paid",
                "amount": paid,
                "received_on": received_on,
                "means": "other",
                "reference": "",
                "paid_at": paid_at,
            }
            records.append(Record(f"{where}: amount_paid", legacy))
        return records

    def check_amounts(self, cleaned: dict[str, Any], raw: dict[str, Any], *, where: str) -> None:
        """The totals, computed as invoice_set_lines will, must be storable, and
        the amount paid must fit them."""
        if "tax_rate" not in cleaned:
            return
        totals = invoice_totals(lines=cleaned["lines"], tax_rate=cleaned["tax_rate"])
        total_field = Invoice._meta.get_field("total")
        limit = Decimal(10) ** (total_field.max_digits - total_field.decimal_places)
        if totals.tax < 0:
            self.problem(
                where,
                "lines",
                "the taxable lines add up to less than 0, so the tax would be negative.",
            )
        elif totals.total < 0:
            self.problem(where, "lines", f"the lines add up to a negative total ({totals.total}).")
        elif max(abs(totals.subtotal), totals.total) >= limit:
            self.problem(where, "lines", "the lines add up to more than an invoice can hold.")
        else:
            paid = sum((p.data["amount"] for p in cleaned["payments"]), Decimal(0))
            status = cleaned.get("status")
            legacy = "payments" not in raw
            if status in (Invoice.Status.DRAFT, Invoice.Status.VOID) and paid != 0:
                if legacy:
                    self.problem(where, "amount_paid", f"must be 0 for a {status} invoice.")
                else:
                    self.problem(where, "payments", f"a {status} invoice has no payments.")
            elif not 0 <= paid <= totals.total:
                if legacy:
                    self.problem(
                        where,
                        "amount_paid",
                        f"must be between 0 and the invoice total, {totals.total}.",
                    )
                else:
                    self.problem(
                        where,
                        "payments",
                        f"they add up to {paid}, more than the invoice total, {totals.total}.",
                    )

    def check_issues(self, data: dict[str, Any]) -> list[Record]:
        records: list[Record] = []
        seen: dict[str, str] = {}
        seen_comments: dict[str, str] = {}
        for index, raw, where in self.section(data, "issues"):
            cleaned = self.clean(raw, schema.ISSUE, where=where, nested=schema.ISSUE_NESTED)
            position = f"issues[{index}]"
            self.external_id(cleaned, seen, where=where, position=position, kind="issue")
            if "property" in cleaned:
                self.refer(where, "property", "property", cleaned["property"])
            cleaned["created_by"] = self.person(
                raw.get("created_by"), where=where, field="created_by"
            )
            comments = raw.get("comments", [])
            if not isinstance(comments, list):
                self.problem(where, "comments", "must be a JSON list.")
                comments = []
            cleaned["comments"] = [
                self.check_comment(comment, i, seen_comments, where=where, position=position)
                for i, comment in enumerate(comments)
            ]
            records.append(Record(where, cleaned))
        return records

    def check_comment(
        self, raw: object, i: int, seen: dict[str, str], *, where: str, position: str
    ) -> Record:
        prefix = f"comments[{i}]."
        if not self.is_object(raw, where=where, field=prefix[:-1]):
            return Record(where, {})
        cleaned = self.clean(
            raw, schema.COMMENT, where=where, prefix=prefix, nested=schema.COMMENT_NESTED
        )
        if "external_id" in cleaned:
            # Comments are matched by their own external id, across all issues.
            xid, here = cleaned["external_id"], f"{position}.comments[{i}]"
            self.unique(seen, xid, where=where, field=prefix + "external_id", position=here)
        author = self.person(raw.get("author"), where=where, field=prefix + "author", required=True)
        if author and author.kind == "contact" and cleaned.get("public") is False:
            self.problem(
                where,
                prefix + "public",
                'a contact\'s comment is always public: set "public": true.',
            )
        cleaned["author"] = author
        return Record(f"{where}: {record_label('comments', i, raw)}", cleaned)

    def person(
        self, raw: object, *, where: str, field: str, required: bool = False
    ) -> Person | None:
        if raw is None:
            if required:
                self.problem(where, field, "This field is required.")
            return None
        if not (isinstance(raw, dict) and len(raw) == 1):
            self.problem(where, field, PERSON_FORMAT)
            return None
        ((kind, key),) = raw.items()
        if kind not in schema.PERSON_KINDS:
            self.problem(where, f"{field}.{kind}", unknown(kind, schema.PERSON_KINDS, "field"))
            return None
        if not isinstance(key, str) or not key.strip():
            self.problem(where, f"{field}.{kind}", "Enter text, as a JSON string.")
            return None
        key = key.strip().lower() if kind == "staff" else key.strip()
        self.refer(where, f"{field}.{kind}", kind, key)
        return Person(kind, key)

    def check_references(self) -> None:
        """Each reference must name a record in the file or in the database."""
        missing = {
            kind: {ref.key for ref in self.references if ref.kind == kind} - keys
            for kind, keys in self.in_file.items()
        }
        in_database = {
            "contact": set(
                Contact.objects.filter(external_id__in=missing["contact"]).values_list(
                    "external_id", flat=True
                )
            ),
            "property": set(
                Property.objects.filter(external_id__in=missing["property"]).values_list(
                    "external_id", flat=True
                )
            ),
            "staff": set(
                User.objects.annotate(email_lower=Lower("email"))
                .filter(contact__isnull=True, email_lower__in=missing["staff"])
                .values_list("email_lower", flat=True)
            ),
        }
        for ref in self.references:
            if ref.key in missing[ref.kind] and ref.key not in in_database[ref.kind]:
                if ref.kind == "staff":
                    named = f"staff user with email {quote(ref.key)}"
                else:
                    named = f"{ref.kind} with external_id {quote(ref.key)}"
                message = f"no {named} in the file or the database."
                self.problem(ref.where, ref.field, message, rank=ref.rank)
