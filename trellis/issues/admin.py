from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from trellis.accounts.models import User
from trellis.audit.admin import AuditedAdminMixin
from trellis.issues.models import Comment, Issue


class CommentForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.author_contact_id is not None and not cleaned.get("is_public", True):
            raise ValidationError("What a customer writes is always public.")
        return cleaned


def _written_by_staff(comment: Comment, request: HttpRequest) -> None:
    if comment.pk is None and comment.author_contact_id is None and isinstance(request.user, User):
        comment.author_user = request.user


class CommentInline(admin.StackedInline):
    model = Comment
    form = CommentForm
    fields = ["body", "is_public", "author_name", "created_at"]
    readonly_fields = ["author_name", "created_at"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("author_user", "author_contact")

    @admin.display(description="written by")
    def author_name(self, comment: Comment) -> str:
        return comment.author_name


@admin.register(Issue)
class IssueAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "property",
        "status",
        "include_client",
        "raised_by",
        "created_at",
        "closed_at",
    ]
    list_filter = ["status", "include_client", "created_at"]
    list_select_related = ["property", "created_by_user", "created_by_contact"]
    search_fields = ["subject", "description", "property__name", "=external_id"]
    autocomplete_fields = ["property"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = [
        "property",
        "subject",
        "description",
        "status",
        "include_client",
        "closed_at",
        "raised_by",
        "created_at",
        "updated_at",
        "external_id",
    ]
    readonly_fields = ["raised_by", "created_at", "updated_at"]
    inlines = [CommentInline]

    @admin.display(description="raised by")
    def raised_by(self, issue: Issue) -> str:
        if issue.created_by_contact is not None:
            return f"{issue.created_by_contact.full_name} (customer)"
        if issue.created_by_user is not None:
            return issue.created_by_user.get_full_name()
        return ""

    def save_model(self, request: HttpRequest, obj: Issue, form: Any, change: bool) -> None:
        if not change and obj.created_by_contact_id is None and isinstance(request.user, User):
            obj.created_by_user = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for comment_form in formset.forms:
            _written_by_staff(comment_form.instance, request)
        super().save_formset(request, form, formset, change)


@admin.register(Comment)
class CommentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = CommentForm
    list_display = ["excerpt", "issue", "author_name", "is_public", "created_at"]
    list_filter = ["is_public", "created_at"]
    list_select_related = ["issue", "author_user", "author_contact"]
    search_fields = ["body", "issue__subject", "issue__property__name"]
    autocomplete_fields = ["issue"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = ["issue", "body", "is_public", "author_name", "created_at", "external_id"]
    readonly_fields = ["author_name", "created_at"]

    @admin.display(description="comment", ordering="body")
    def excerpt(self, comment: Comment) -> str:
        return str(comment)

    @admin.display(description="written by")
    def author_name(self, comment: Comment) -> str:
        return comment.author_name

    def save_model(self, request: HttpRequest, obj: Comment, form: Any, change: bool) -> None:
        _written_by_staff(obj, request)
        super().save_model(request, obj, form, change)
