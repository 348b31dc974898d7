"""Who owns each field when a record is imported again (DESIGN.md, "Who owns
each fact": an import never silently undoes Trellis).

For every record, Trellis keeps what the last import file said of each field
(an ImportedRecord). On the next import, field by field:

- the file says what Trellis has: nothing to do;
- the file changed and Trellis did not (Trellis still has what the last file
  said): the import writes the file's value;
- Trellis changed since (a customer in the portal, staff in the office), whether
  or not the file changed too: Trellis's value stays, and the import says so in
  one line for the field; so it does when no earlier import of the record is
  known, since nothing then says the value is the file's to change.

Values are compared as JSON, so a Decimal, a date or a list of lines compares
the same whether it came from the file or from the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from django.utils import timezone

from trellis.imports.models import ImportedRecord

BATCH = 1000


class Plan(Enum):
    SAME = "same"  # the file and Trellis agree
    WRITE = "write"  # the file changed, Trellis did not: write the file's value
    KEEP = "keep"  # Trellis changed it: Trellis's value stays


UNKNOWN = object()  # no earlier import of the record, or of this field, is recorded


def jsonable(value: Any) -> Any:
    """The value as it is compared and remembered: plain JSON."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def plan(*, file: Any, trellis: Any, last: Any) -> Plan:
    """What to do with one field of a record that exists already (see the module)."""
    if file == trellis:
        return Plan.SAME
    if last is not UNKNOWN and trellis == last:
        return Plan.WRITE
    return Plan.KEEP


def kept_reason(*, file: Any, last: Any) -> str:
    if last is UNKNOWN:
        return "no earlier import of it is recorded"
    if file == last:
        return "changed in Trellis since the last import"
    return "changed in Trellis since the last import, and in the file"


def shown(value: Any) -> str:
    """A value as a kept line shows it: JSON, cut short when long."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


@dataclass(frozen=True)
class Kept:
    """A field the import left as Trellis has it, and why."""

    where: str
    field: str
    trellis: Any
    file: Any
    reason: str

    @property
    def line(self) -> str:
        return (
            f"{self.where}: {self.field}: kept {shown(self.trellis)} ({self.reason}); "
            f"the file has {shown(self.file)}."
        )


class Baselines:
    """What the last import said of the records of one section, read a batch
    of keys at a time (`load`) and written back in batches, so memory stays
    one batch wide however long the file."""

    def __init__(self, section: str) -> None:
        self.section = section
        self.now = timezone.now()
        self.ids: dict[str, int] = {}
        self.values: dict[str, dict[str, Any]] = {}
        self._new: list[ImportedRecord] = []
        self._changed: list[ImportedRecord] = []
        self.loaded: set[str] = set()

    def load(self, keys: Iterable[str]) -> None:
        """Read what the last import said of these records, forgetting the others."""
        self.save()
        self.ids, self.values = {}, {}
        keys = list(keys)
        for start in range(0, len(keys), BATCH):
            rows = ImportedRecord.objects.filter(
                section=self.section, key__in=keys[start : start + BATCH]
            ).values_list("pk", "key", "values")
            for pk, key, values in rows:
                self.ids[key] = pk
                self.values[key] = values
        self.loaded = set(keys)

    def last(self, key: str, field: str) -> Any:
        if key not in self.loaded:
            raise RuntimeError(f"{self.section} {key!r} was compared before it was loaded.")
        values = self.values.get(key)
        if values is None:
            return UNKNOWN
        return values.get(field, UNKNOWN)

    def remembered(self, key: str) -> dict[str, Any]:
        return dict(self.values.get(key, {}))

    def remember(self, key: str, values: dict[str, Any]) -> None:
        if key not in self.ids and key not in self.values:
            self._new.append(
                ImportedRecord(section=self.section, key=key, values=values, imported_at=self.now)
            )
        elif self.values[key] != values:
            self._changed.append(
                ImportedRecord(
                    pk=self.ids.get(key),
                    section=self.section,
                    key=key,
                    values=values,
                    imported_at=self.now,
                )
            )
        self.values[key] = values

    def save(self) -> None:
        new = [record for record in self._changed if record.pk is None]
        ImportedRecord.objects.bulk_create(self._new, batch_size=BATCH)
        ImportedRecord.objects.bulk_update(
            [record for record in self._changed if record.pk is not None],
            ["values", "imported_at"],
            batch_size=BATCH,
        )
        for record in new:  # remembered twice in one import, before its first save
            ImportedRecord.objects.filter(section=self.section, key=record.key).update(
                values=record.values, imported_at=self.now
            )
        self._new, self._changed = [], []


def file_values(data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {name: jsonable(data[name]) for name in fields if name in data}
