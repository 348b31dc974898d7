"""Checking JSON records against a schema of form fields, collecting problems.

A problem is one line naming where it is and what is wrong, in words a person
can act on:

    contacts[3] (external_id "C-1004"): email: Enter a valid email address.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Iterator, Sequence
from typing import Any, NamedTuple, TypeGuard

from django import forms
from django.core.exceptions import ValidationError

from trellis.imports.schema import Schema


def quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def unknown(name: str, known: Collection[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"unknown {what}" + (f' (did you mean "{close[0]}"?).' if close else ".")


def record_label(section: str, index: int, raw: object, key: str = "external_id") -> str:
    """`contacts[3] (external_id "C-1004")`: the record's position, and its key if it has one."""
    label = f"{section}[{index}]"
    value = raw.get(key) if isinstance(raw, dict) else None
    if isinstance(value, str) and value.strip():
        label += f" ({key} {quote(value.strip())})"
    return label


class Reference(NamedTuple):
    """A record's mention of another record, resolved once the whole file is read."""

    rank: tuple[int, int]
    where: str
    field: str
    kind: str
    key: str


class Checker:
    """Collects problems, and the references to resolve, while records are cleaned.

    Problems come out in file order: each is ranked by the section and position
    of the record being checked when it was found.
    """

    def __init__(self, sections: Sequence[str]) -> None:
        self.sections = sections
        self.references: list[Reference] = []
        self._problems: list[tuple[tuple[int, int], str]] = []
        self._rank = (0, 0)

    def problem(
        self, where: str, field: str | None, message: str, *, rank: tuple[int, int] | None = None
    ) -> None:
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        self._problems.append((rank or self._rank, text))

    def problems(self) -> list[str]:
        return [text for _, text in sorted(self._problems, key=lambda problem: problem[0])]

    def at(self, section: str, index: int) -> None:
        """Rank the problems found from now on as those of this record."""
        self._rank = (self.sections.index(section), index)

    def refer(self, where: str, field: str, kind: str, key: str) -> None:
        self.references.append(Reference(self._rank, where, field, kind, key))

    def section(
        self, data: dict[str, Any], name: str, *, key: str = "external_id"
    ) -> Iterator[tuple[int, dict[str, Any], str]]:
        """Each record of a list section that is an object: (position, record,
        label naming it by `key`)."""
        records = data.get(name)
        if records is None:
            return
        if not isinstance(records, list):
            self.problem(name, None, "must be a JSON list of records.")
            return
        for index, raw in enumerate(records):
            self.at(name, index)
            where = record_label(name, index, raw, key=key)
            if self.is_object(raw, where=where):
                yield index, raw, where

    def is_object(
        self, raw: object, *, where: str, field: str | None = None
    ) -> TypeGuard[dict[str, Any]]:
        if isinstance(raw, dict):
            return True
        self.problem(where, field, "must be a JSON object.")
        return False

    def clean(
        self,
        raw: dict[str, Any],
        fields: Schema,
        *,
        where: str,
        prefix: str = "",
        nested: Collection[str] = (),
    ) -> dict[str, Any]:
        """The valid fields of `raw`, an absent one at its default (the form
        field's `initial`). Keys in `nested` are the caller's to check."""
        for name in raw:
            if name not in fields and name not in nested:
                self.problem(where, prefix + name, unknown(name, [*fields, *nested], "field"))
        cleaned: dict[str, Any] = {}
        for name, form_field in fields.items():
            try:
                value = form_field.clean(raw.get(name))
            except ValidationError as error:
                for message in error.messages:
                    self.problem(where, prefix + name, message)
                continue
            if value in form_field.empty_values and form_field.initial is not None:
                value = form_field.initial
            cleaned[name] = value
        return cleaned

    def clean_value(self, form_field: forms.Field, value: object, *, where: str, field: str) -> Any:
        try:
            return form_field.clean(value)
        except ValidationError as error:
            for message in error.messages:
                self.problem(where, field, message)
            return None

    def clean_list(
        self,
        raw: dict[str, Any],
        name: str,
        fields: Schema,
        *,
        where: str,
        at_least_one: str | None = None,
    ) -> tuple[list[tuple[int, dict[str, Any]]], bool]:
        """The entries of the nested list `raw[name]` that have no problem, with
        their positions, and whether the whole list is free of problems."""
        value = raw.get(name)
        if value is None:
            value = []
        if not isinstance(value, list):
            self.problem(where, name, "must be a JSON list.")
            return [], False
        if at_least_one and not value:
            self.problem(where, name, f"list at least one {at_least_one}.")
        entries = []
        before = len(self._problems)
        for i, item in enumerate(value):
            prefix = f"{name}[{i}]."
            if not self.is_object(item, where=where, field=prefix[:-1]):
                continue
            problems = len(self._problems)
            entry = self.clean(item, fields, where=where, prefix=prefix)
            if len(self._problems) == problems:
                entries.append((i, entry))
        return entries, len(self._problems) == before

    def unique(
        self, seen: dict[str, str], key: str, *, where: str, field: str, position: str
    ) -> None:
        """Report `key` if an earlier record, at `seen[key]`, already has it."""
        if key in seen:
            name = field.rsplit(".", 1)[-1]
            self.problem(where, field, f"{quote(key)} is also the {name} of {seen[key]}.")
        else:
            seen[key] = position
