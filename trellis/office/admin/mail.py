from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from trellis.accounts.models import User
from trellis.customers.models import Contact
from trellis.mail.delivery import email_retry
from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.office.admin.audit import AuditedAdminMixin
from trellis.office.email_preview import (
    email_about,
    email_attachment_download,
    email_html_frame,
    email_masked_link_note,
    email_retry_and_tell,
    email_text_shown,
)
from trellis.office.readonly import ReadOnlyAdminMixin


class ContactFilter(admin.SimpleListFilter):
    """One contact's messages. Listing every contact in the sidebar would make
    it as long as the contact list, so the filter is reached from a link
    (?contact=ID) and only shows itself once chosen."""

    title = "contact"
    parameter_name = "contact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if value is None or not value.isdigit():
            return []
        return [(str(c.pk), c.full_name or c.email) for c in Contact.objects.filter(pk=value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value is None:
            return None
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(contact_id=value)


MESSAGE_FIELDS = (
    "subject",
    "from_address",
    "to_address",
    "reply_to",
    "message_id",
    "kind",
    "contact",
    "about_link",
    "attachment_list",
)
DELIVERY_FIELDS = (
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "sent_at",
)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every email, as sent or still to send. Nothing here edits a message:
    it is the record of what the customer received."""

    list_display = [
        "created_at",
        "to_address",
        "contact",
        "kind",
        "subject",
        "status_and_attempts",
        "last_error_short",
        "sent_at",
    ]
    list_filter = ["status", "kind", "created_at", ContactFilter]
    list_select_related = ["contact"]
    search_fields = [
        "to_address",
        "subject",
        "contact__first_name",
        "contact__last_name",
        "=message_id",
    ]
    actions = ["retry_sending"]
    # A failed email's page has its own Retry button (the list's action retries many).
    change_form_template = "office/email_change_form.html"
    fieldsets = [
        (None, {"fields": MESSAGE_FIELDS}),
        ("Delivery", {"fields": DELIVERY_FIELDS}),
        ("Text", {"fields": ["text_body"]}),
        ("HTML", {"fields": ["html_body"]}),
    ]
    readonly_fields = ["about_link", "attachment_list", "text_body", "html_body", "masked_link"]

    class Media:
        css = {"all": ["office/email_preview.css"]}

    def get_fieldsets(self, request: HttpRequest, obj: OutgoingEmail | None = None) -> Any:
        if obj is None or not obj.has_masked_link:
            return self.fieldsets
        return [(None, {"fields": [*MESSAGE_FIELDS, "masked_link"]}), *self.fieldsets[1:]]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("mail.change_outgoingemail")

    @admin.action(description="Retry sending", permissions=["retry"])
    def retry_sending(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        chosen = list(queryset)
        retried = sum(email_retry(email=email, actor=actor) for email in chosen)
        if retried:
            self.message_user(
                request, f"{retried} email{'s' if retried != 1 else ''} queued to send again."
            )
        if skipped := len(chosen) - retried:
            self.message_user(
                request,
                f"{skipped} email{'s were' if skipped != 1 else ' was'} not failed "
                "and left as it was: only failed email is retried.",
                messages.WARNING,
            )

    @admin.display(description="status", ordering="status")
    def status_and_attempts(self, email: OutgoingEmail) -> str:
        attempts = f"{email.attempts} attempt{'s' if email.attempts != 1 else ''}"
        return f"{email.get_status_display()} ({attempts})"

    @admin.display(description="last error")
    def last_error_short(self, email: OutgoingEmail) -> str:
        return Truncator(email.last_error).chars(80)

    @admin.display(description="about")
    def about_link(self, email: OutgoingEmail) -> str:
        about = email_about(email)
        if about is None:
            return self.get_empty_value_display()
        if not about.url:
            return about.label
        return format_html('<a href="{}">{}</a>', about.url, about.label)

    @admin.display(description="attachments")
    def attachment_list(self, email: OutgoingEmail) -> str:
        attachments = email.attachments.only("pk", "filename", "content_type")
        if not attachments:
            return self.get_empty_value_display()
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:mail_outgoingemail_attachment", args=[email.pk, a.pk]),
                    a.filename,
                    a.content_type,
                )
                for a in attachments
            ),
        )

    @admin.display(description="link")
    def masked_link(self, email: OutgoingEmail) -> str:
        return email_masked_link_note(email)

    @admin.display(description="text")
    def text_body(self, email: OutgoingEmail) -> str:
        return email_text_shown(email)

    @admin.display(description="HTML")
    def html_body(self, email: OutgoingEmail) -> str:
        return email_html_frame(email) or self.get_empty_value_display()

    def get_urls(self) -> list[URLPattern]:
        attachment = path(
            "<int:email_id>/attachment/<int:attachment_id>/",
            self.admin_site.admin_view(self.attachment_view),
            name="mail_outgoingemail_attachment",
        )
        # POST only: a link prefetched or followed must not send anything.
        retry = path(
            "<path:object_id>/retry/",
            self.admin_site.admin_view(require_POST(self.retry_view)),
            name="mail_outgoingemail_retry",
        )
        return [attachment, retry, *super().get_urls()]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        email = self.get_object(request, object_id)
        can_retry = (
            email is not None
            and email.status == OutgoingEmail.Status.FAILED
            and self.has_retry_permission(request)
        )
        context = {**(extra_context or {}), "can_retry": can_retry}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def retry_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_retry_permission(request):
            raise PermissionDenied
        email = self.get_object(request, object_id)
        if email is None:
            raise Http404
        email_retry_and_tell(request, email)
        return redirect("admin:mail_outgoingemail_change", email.pk)

    def attachment_view(
        self, request: HttpRequest, email_id: int, attachment_id: int
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return email_attachment_download(email_id=email_id, attachment_id=attachment_id)


@admin.register(EmailTemplate)
class EmailTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_name = "email_template"
    list_display = ["kind", "language", "subject", "updated_at"]
    list_filter = ["kind", "language"]
    fields = ["kind", "language", "subject", "body"]
