"""What the proposal and invoice admins share: the Published column and filter,
and lines saved through the document's service rather than row by row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from trellis.audit.admin import AuditedAdminMixin
from trellis.documents.models import PublishedDocument

# The portal's rule, "printed or emailed", as a filter.
PUBLISHED = Q(printed_at__isnull=False) | Q(emailed_at__isnull=False)


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes (printed or emailed)"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "yes":
            return queryset.filter(PUBLISHED)
        if self.value() == "no":
            return queryset.filter(printed_at__isnull=True, emailed_at__isnull=True)
        return None


class LinesFormSet(BaseInlineFormSet):
    """A document's lines, saved all at once by the document's service, which
    replaces them and numbers them in the order given."""

    def rows(self) -> list[dict[str, Any]]:
        """The cleaned values of the lines that stay, in order: not those marked
        for deletion, nor the blank extra forms."""
        return [
            {name: form.cleaned_data[name] for name in self.form.base_fields}
            for form in self.forms
            if form.cleaned_data and form not in self.deleted_forms
        ]

    def save_lines(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def save(self, commit: bool = True) -> list[Any]:
        # Saving without commit still lists what was added, changed and
        # deleted, which the admin's change message (and the audit entry) use.
        saved = super().save(commit=False)
        if commit:
            self.save_lines(self.rows())
        return saved


class PublishedDocumentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Printing and emailing publish a document to the portal. They will be
    actions of their own, so the admin shows when they happened but does not
    let anyone type a date in."""

    autocomplete_fields = ["property"]
    list_select_related = ["property"]
    search_fields = ["number", "=external_id", "property__name"]
    readonly_fields = ["printed_at", "emailed_at", "created_at", "updated_at"]

    @admin.display(boolean=True, description="Published")
    def published(self, document: PublishedDocument) -> bool:
        return document.is_published
