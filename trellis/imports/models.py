from __future__ import annotations

from django.db import models


class ImportedRecord(models.Model):
    """What the last import file said of one record, field by field.

    An import changes a field only where the file now says something else than
    this; where Trellis's value differs from it, someone changed the field in
    Trellis since (a customer in the portal, staff in the office), and Trellis's
    value stays (trellis.imports.ownership).
    """

    section = models.CharField(max_length=20, help_text='The file\'s section, e.g. "invoices".')
    key = models.CharField(
        max_length=254, help_text="The record's external id (a staff member's email)."
    )
    values = models.JSONField(default=dict)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="imported_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.section} {self.key}"
