"""What the proposal and invoice admins share: the Published column and filter,
lines saved through the document's service rather than row by row, the Print
and Email to customer buttons that publish a document to the portal, and the
panel of status buttons (trellis.office.status_actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from trellis.documents.models import PublishedDocument
from trellis.documents.selectors import Document
from trellis.documents.services import PublishRefused, document_email
from trellis.office.admin.audit import AuditedAdminMixin
from trellis.office.filters import YesNoFilter
from trellis.office.status_actions import StatusActionsAdmin, staff_of
from trellis.office.views.documents import (
    PublishingPanel,
    email_and_say,
    print_response,
    publishing_panel,
)
from trellis.office.why_visible import who_sees
from trellis.visibility import Published


# The portal's rule, "printed or emailed", as a filter.
class PublishedFilter(YesNoFilter):
    title = "published"
    parameter_name = "published"
    yes_label = "Yes (printed or emailed)"

    # The portal's own rule (trellis.visibility), so the two cannot disagree.
    def yes(self) -> Q:
        return Published.q()


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


class PublishedDocumentAdmin(StatusActionsAdmin, AuditedAdminMixin, admin.ModelAdmin):
    """Printing and emailing publish a document to the portal. They are
    buttons of their own (and "Email to customer" a list action), so the admin
    shows when they happened but does not let anyone type a date in."""

    autocomplete_fields = ["property"]
    list_select_related = ["property"]
    search_fields = ["number", "=external_id", "property__name"]
    readonly_fields = ["printed_at", "emailed_at", "created_at", "updated_at"]
    actions = ["email_to_customer"]
    # The change page adds the Published line and the Print and Email buttons.
    change_form_template = "office/document_change_form.html"

    @admin.display(boolean=True, description="Published")
    def published(self, document: PublishedDocument) -> bool:
        return document.is_published

    def get_urls(self) -> list[URLPattern]:
        # POST only: printing and emailing publish the document, so a link
        # prefetched or followed by accident must not do either.
        return [
            path(
                "<path:object_id>/print/",
                self.admin_site.admin_view(require_POST(self.print_view)),
                name=self.url_name("print"),
            ),
            path(
                "<path:object_id>/email/",
                self.admin_site.admin_view(require_POST(self.email_view)),
                name=self.url_name("email"),
            ),
            *super().get_urls(),
        ]

    def print_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        document = self.object_to_change(request, object_id)
        return print_response(request, document) or self.change_page(request, document)

    def email_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        document = self.object_to_change(request, object_id)
        email_and_say(request, document)
        return self.change_page(request, document)

    @admin.action(description="Email to customer", permissions=["change"])
    def email_to_customer(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Each document in its own transaction: one refusal stops no other."""
        actor = staff_of(request)
        sent = 0
        for document in queryset:
            try:
                document_email(document=document, actor=actor)
            except PublishRefused as refusal:
                messages.warning(
                    request,
                    format_html(
                        '{} <a href="{}">Open {}</a>',
                        refusal.message,
                        self.action_url("change", document.pk),
                        document,
                    ),
                )
            else:
                sent += 1
        if sent:
            noun = self.opts.verbose_name if sent == 1 else self.opts.verbose_name_plural
            messages.success(request, f"Emailed {sent} {noun} to the customer.")
        else:
            messages.warning(request, "Nothing was emailed.")

    def publishing_panel(self, request: HttpRequest, document: Document) -> PublishingPanel:
        return publishing_panel(
            document=document,
            can_change=self.has_change_permission(request, document),
            print_url=self.action_url("print", document.pk),
            email_url=self.action_url("email", document.pk),
        )

    def change_page_context(self, request: HttpRequest, document: Any) -> dict[str, Any]:
        return {
            "publishing": self.publishing_panel(request, document),
            "who_sees_this": who_sees(document),
        }
