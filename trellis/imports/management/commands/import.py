"""`trellis import FILE.json`: load customers and their documents (docs/import-format.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trellis.imports.services import (
    ImportRejected,
    ImportTooLarge,
    import_document,
    parse_document,
    size_check,
)


class Command(BaseCommand):
    help = "Import a company's customers and their documents from a JSON file, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the JSON file, in Trellis's import format")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            # Refused before it is read: a huge file would fill memory first.
            size_check(size=file.stat().st_size)
            text = file.read_bytes()
            data = parse_document(text)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from error
        except ImportTooLarge as error:
            raise CommandError(f"Nothing was imported from {file}: {error}") from None
        except ValueError as error:
            raise CommandError(f"{file} is not valid JSON: {error}.") from error
        try:
            result = import_document(data=data)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(problem)
            count = len(rejected.problems)
            raise CommandError(
                f"Nothing was imported from {file}: "
                f"{count} problem{'s' if count != 1 else ''} (listed above)."
            ) from None

        for field in result.kept:
            self.stdout.write(field.line)
        self.stdout.write(self.style.SUCCESS(f"Imported {file}:"))
        for kind, counts in result.counts.items():
            self.stdout.write(
                f"  {kind:<11} {counts['created']:>5} created {counts['updated']:>5} updated"
            )
        kept = len(result.kept)
        if kept:
            self.stdout.write(
                f"Kept {kept} field{'s' if kept != 1 else ''} as Trellis has "
                f"{'them' if kept != 1 else 'it'}: changed in Trellis since the last import "
                "or refused by Trellis's rules (listed above, one line each)."
            )
        else:
            self.stdout.write("No field was kept: Trellis and the file agree.")
