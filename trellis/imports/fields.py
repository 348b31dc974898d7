"""One record's fields as an import plans them (trellis.imports.ownership):
which of the file's values to write, and which it keeps as Trellis has them;
and the import's result, which lists every kept field."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from trellis.accounts.models import User
from trellis.billing.models import Invoice, Payment
from trellis.customers.models import Contact
from trellis.imports.ownership import Baselines, Kept, Plan, jsonable, kept_reason, plan

COUNTED = (
    "company",
    "staff",
    "contacts",
    "properties",
    "proposals",
    "invoices",
    "payments",
    "issues",
    "comments",
)


@dataclass
class ImportResult:
    """How many records of each kind the import created, and how many it
    updated (those that already existed, whether or not a field changed); and
    each field it kept as Trellis has it."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    kept: list[Kept] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {"created": self.created[kind], "updated": self.updated[kind]} for kind in COUNTED
        }

    def count(self, kind: str, *, created: bool) -> None:
        (self.created if created else self.updated)[kind] += 1


@dataclass
class RecordFields:
    """One record's fields, planned: which of the file's values to write; the
    others are the same in Trellis, or kept as Trellis has them (reported)."""

    result: ImportResult
    baselines: Baselines
    key: str
    where: str
    file: dict[str, Any]
    trellis: dict[str, Any] | None  # None: the record is new
    # Fields that stay as Trellis has them whatever the file says, and why.
    locked: dict[str, str] = field(default_factory=dict)
    writes: set[str] = field(default_factory=set)
    unwritten: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for name, value in self.file.items():
            if self.trellis is None:
                self.writes.add(name)
                continue
            if name in self.locked:
                if value != self.trellis[name]:
                    self._kept(name, self.locked[name], remember=True)
                continue
            last = self.baselines.last(self.key, name)
            decision = plan(file=value, trellis=self.trellis[name], last=last)
            if decision is Plan.WRITE:
                self.writes.add(name)
            elif decision is Plan.KEEP:
                self._kept(name, kept_reason(file=value, last=last), remember=True)

    def __contains__(self, name: str) -> bool:
        return name in self.writes

    def refused(self, name: str, reason: str) -> None:
        """Writing the file's value was refused: Trellis's stays. The file's value
        is not remembered, so the next import tries again and says why again."""
        if name in self.writes:
            self.writes.discard(name)
            self._kept(name, reason, remember=False)

    def _kept(self, name: str, reason: str, *, remember: bool) -> None:
        trellis = self.trellis[name] if self.trellis is not None else None
        self.result.kept.append(Kept(self.where, name, trellis, self.file[name], reason))
        if not remember:
            self.unwritten.add(name)

    def remember(self) -> None:
        values = self.baselines.remembered(self.key)
        values.update({k: v for k, v in self.file.items() if k not in self.unwritten})
        self.baselines.remember(self.key, values)


def set_planned(
    instance: Model, data: dict[str, Any], names: Iterable[str], fields: RecordFields
) -> bool:
    """Set the planned ones of these fields; whether any was."""
    written = [name for name in names if name in fields]
    for name in written:
        setattr(instance, name, data[name])
    return bool(written)


def time_fields(data: dict[str, Any]) -> tuple[str, ...]:
    # Absent, created_at is "now" on the first import and left alone after that.
    return ("created_at",) if data.get("created_at") is not None else ()


def as_lines(rows: Iterable[Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{name: jsonable(getattr(row, name)) for name in names} for row in rows]


# --- what Trellis has, as an import file would say it ---------------------------

LINE_NAMES = ("description", "quantity", "unit_price", "taxable")
ITEM_NAMES = ("description", "quantity", "unit_price", "optional", "chosen")


def roles_of(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    return sorted([xid, role] for xid, role in pairs)


def issued_as_open(status: str) -> str:
    """An invoice's status as a file writes it: paid and partially paid are
    open invoices with payments (the file's payments say how much)."""
    if status in (Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID):
        return Invoice.Status.OPEN
    return status


def line_data(invoice: Invoice) -> list[dict[str, Any]]:
    return [{name: getattr(line, name) for name in LINE_NAMES} for line in invoice.lines.all()]


def person_of(user: User | None, contact: Contact | None) -> list[str] | None:
    if contact is not None:
        return ["contact", contact.external_id or f"#{contact.pk}"]
    if user is not None:
        return ["staff", (user.email or "").lower()]
    return None


def reversal_words(payment: Payment) -> str:
    when = f" on {payment.reversed_at:%Y-%m-%d}" if payment.reversed_at else ""
    return f"reversed in Trellis{when}: {payment.reversal_reason}"
