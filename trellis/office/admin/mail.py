"""The outbox and the email templates, as stored (staff read and retry email,
and edit templates, on the office's own pages)."""

from __future__ import annotations

from django.contrib import admin

from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.office.admin.raw_data import RawDataAdmin


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(RawDataAdmin):
    list_display = ["created_at", "to_address", "kind", "subject", "status", "attempts"]
    list_display += ["sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_address", "subject", "=message_id"]
    ordering = ["-created_at", "-id"]


@admin.register(EmailTemplate)
class EmailTemplateAdmin(RawDataAdmin):
    list_display = ["kind", "language", "subject", "updated_at"]
    list_filter = ["kind", "language"]
