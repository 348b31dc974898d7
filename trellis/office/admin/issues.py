"""Requests and their comments, as stored."""

from __future__ import annotations

from django.contrib import admin

from trellis.issues.models import Comment, Issue
from trellis.office.admin.raw_data import RawDataAdmin, RawDataInline


class CommentInline(RawDataInline):
    model = Comment
    fields = ["created_at", "author_user", "author_contact", "is_public", "body"]


@admin.register(Issue)
class IssueAdmin(RawDataAdmin):
    list_display = ["subject", "property", "status", "include_client", "assignee", "created_at"]
    list_filter = ["status", "include_client"]
    list_select_related = ["property", "assignee"]
    search_fields = ["subject", "description", "property__name", "=external_id"]
    ordering = ["-created_at", "-id"]
    inlines = [CommentInline]


@admin.register(Comment)
class CommentAdmin(RawDataAdmin):
    list_display = ["issue", "author_user", "author_contact", "is_public", "created_at"]
    list_filter = ["is_public"]
    list_select_related = ["issue", "author_user", "author_contact"]
    search_fields = ["body", "issue__subject"]
    ordering = ["-created_at", "-id"]
