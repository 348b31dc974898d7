"""Importing a company's customers and their documents from one JSON document.

The format is docs/import-format.md. The whole file is checked first
(validation.py); only a file without problems is written, in one transaction.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import DataError, IntegrityError, transaction

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.imports.fields import ImportResult
from trellis.imports.validation import validate_document
from trellis.imports.writer import Writer

__all__ = [
    "ImportRejected",
    "ImportResult",
    "ImportTooLarge",
    "import_document",
    "parse_document",
    "size_check",
]

# How deep a file of the format goes: {"issues": [{"comments": [{"author": {…}}]}]}.
FORMAT_DEPTH = 6


class ImportRejected(Exception):
    """The file was not imported; `problems` lists every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ImportTooLarge(ValueError):
    """The file is refused unread: it is larger, or nested deeper, than an
    import may be. The message names the limit and its setting."""


def size_check(*, size: int) -> None:
    """Raise ImportTooLarge for a file of `size` bytes over IMPORT_MAX_BYTES."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportTooLarge(
            f"the file is {_megabytes(size)}, more than the {_megabytes(limit)} an import "
            "file may be (the IMPORT_MAX_BYTES setting). Split it into smaller files: "
            "importing is by external id, so they can be imported one after another."
        )


def parse_document(text: str | bytes) -> Any:
    """Parse an import file's JSON, reading every number as an exact Decimal.

    Raises ImportTooLarge for a file over IMPORT_MAX_BYTES or nested deeper
    than IMPORT_MAX_DEPTH, and ValueError (json.JSONDecodeError for a syntax
    error) for text that is not JSON, a NaN or Infinity, or an object that
    repeats a key.
    """
    size_check(size=len(text.encode()) if isinstance(text, str) else len(text))
    try:
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_repeated_keys,
        )
    except RecursionError:
        # Deeper than the parser can go: far deeper than the limit.
        raise _too_deep() from None
    if _deeper_than(data, settings.IMPORT_MAX_DEPTH):
        raise _too_deep()
    return data


def _too_deep() -> ImportTooLarge:
    return ImportTooLarge(
        f"it is nested more than {settings.IMPORT_MAX_DEPTH} levels deep (the "
        f"IMPORT_MAX_DEPTH setting); the import format needs {FORMAT_DEPTH}."
    )


def _deeper_than(data: Any, limit: int) -> bool:
    # A walk with a list of its own, not recursion: the depth is what is in doubt.
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return False


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


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
    the same file again updates rather than duplicates; and a field Trellis
    changed since the last import keeps Trellis's value (ImportResult.kept).
    """
    document, problems = validate_document(data)
    if problems:
        raise ImportRejected(problems)
    writer = Writer(document, actor=actor)
    try:
        with transaction.atomic():
            result = writer.write()
            audit_record(
                action="import.completed",
                actor=actor,
                data={**result.counts, "kept": [kept.line for kept in result.kept]},
            )
    except (IntegrityError, DataError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImportRejected([f"{writer.where}: the database refused it: {reason}"]) from error
    return result
