from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from trellis.accounts.models import User
from trellis.issues.models import Comment, Issue, Photo
from trellis.issues.responses import photo_response
from trellis.issues.selectors import issues_with_waiting_for_staff
from trellis.issues.services import (
    RequestChangeRefused,
    request_close,
    request_include_client,
    request_reopen,
    request_start,
    staff_reply,
)
from trellis.office.admin.audit import AuditedAdminMixin
from trellis.office.filters import YesNoFilter
from trellis.office.status_actions import (
    StatusActionsAdmin,
    StatusButton,
    StatusForm,
    staff_of,
)
from trellis.office.why_visible import who_sees

Status = Issue.Status

CUSTOMER_COMMENT_IS_PUBLIC = (
    "A customer wrote this comment, and what a customer writes is always Public: "
    "it cannot be made an internal note."
)


class CommentForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.author_contact_id is not None and not cleaned.get("is_public", True):
            self.add_error("is_public", CUSTOMER_COMMENT_IS_PUBLIC)
        return cleaned


def _written_by_staff(comment: Comment, request: HttpRequest) -> None:
    if comment.pk is None and comment.author_contact_id is None and isinstance(request.user, User):
        comment.author_user = request.user


def _author(comment: Comment) -> str:
    if comment.author_contact_id is not None:
        return f"{comment.author_name} (customer)"
    return comment.author_name


class CommentFormSet(BaseInlineFormSet):
    """A comment added on the issue page is a staff reply, made by staff_reply()."""

    author: User | None = None

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Comment:
        if self.author is None:
            raise PermissionDenied
        return staff_reply(
            issue=self.instance,
            author=self.author,
            body=form.cleaned_data["body"],
            public=form.cleaned_data["is_public"],
        )


class CommentInline(admin.StackedInline):
    model = Comment
    form = CommentForm
    formset = CommentFormSet
    fields = ["body", "is_public", "author_name", "created_at"]
    readonly_fields = ["author_name", "created_at"]
    extra = 1
    verbose_name = "comment or reply"
    verbose_name_plural = (
        "comments: Public ones are the customer's conversation, the others internal notes"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("author_user", "author_contact")

    @admin.display(description="written by")
    def author_name(self, comment: Comment) -> str:
        return _author(comment)


class PhotoInline(admin.TabularInline):
    """The photos customers attached; staff look, and change nothing here."""

    model = Photo
    # Each row is headed by the photo's original name already.
    fields = ["preview", "attached_to", "file_size", "created_at"]
    readonly_fields = ["preview", "attached_to", "file_size", "created_at"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Photo]:
        return super().get_queryset(request).select_related("comment")

    # Seeing the issue is enough to see its photos, whatever the Photo model's own perms.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("issues.view_issue") or request.user.has_perm(
            "issues.change_issue"
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="photo")
    def preview(self, photo: Photo) -> str:
        url = reverse("admin:issues_issue_photo", args=[photo.issue_id, photo.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">'
            '<img src="{}" alt="{}" loading="lazy" style="max-width:160px;max-height:120px"></a>',
            url,
            url,
            photo.original_name or "photo",
        )

    @admin.display(description="attached to")
    def attached_to(self, photo: Photo) -> str:
        if photo.comment is None:
            return "the request"
        visibility = "Public comment" if photo.comment.is_public else "internal note"
        written = date_format(localtime(photo.comment.created_at), "SHORT_DATETIME_FORMAT")
        return f"{visibility} of {written}: {photo.comment}"

    @admin.display(description="size")
    def file_size(self, photo: Photo) -> str:
        return str(filesizeformat(photo.size))


class WaitingForStaffFilter(YesNoFilter):
    title = "waiting for staff"
    parameter_name = "waiting"
    yes_label = "Waiting for staff: the customer spoke last"
    no_label = "Answered"

    def yes(self) -> Q:
        return Q(waiting_for_staff=True)

    def no(self) -> Q:
        return Q(waiting_for_staff=False)


ID = "issue_id"  # the services' name for the request they change


@admin.register(Issue)
class IssueAdmin(StatusActionsAdmin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "property",
        "status",
        "include_client",
        "raised_by",
        "waiting_for_staff",
        "created_at",
        "closed_at",
    ]
    list_filter = [WaitingForStaffFilter, "status", "include_client", "created_at"]
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
    # The status, and on a request that exists Include Client, change with the
    # buttons above the form; a new request is open.
    readonly_fields = ["status", "closed_at", "raised_by", "created_at", "updated_at"]
    inlines = [CommentInline, PhotoInline]
    # The change page opens with the status buttons and ends with who sees the
    # request in the portal, and why not.
    change_form_template = "office/issue_change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = [*super().get_readonly_fields(request, obj)]
        if obj is not None:
            readonly.append("include_client")
        return readonly

    def get_queryset(self, request: HttpRequest) -> QuerySet[Issue]:
        return issues_with_waiting_for_staff(super().get_queryset(request))

    def change_page_context(self, request: HttpRequest, issue: Issue) -> dict[str, Any]:
        return {"who_sees_this": who_sees(issue)}

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/photos/<int:photo_id>/",
                self.admin_site.admin_view(self.photo_view),
                name="issues_issue_photo",
            ),
            self.service_path(
                "start", request_start, "Work has started on “{}”: it is in progress.", id_name=ID
            ),
            self.service_path("close", request_close, "“{}” is closed.", id_name=ID),
            self.service_path("reopen", request_reopen, "“{}” is open again.", id_name=ID),
            # The troubleshooter's "Switch on Include Client" posts here too.
            self.status_path("include-client/", self.include_client_view, "include_client"),
            *super().get_urls(),
        ]

    def status_buttons(
        self, request: HttpRequest, issue: Issue, posted: StatusForm | None
    ) -> list[StatusButton]:
        buttons = []
        if issue.status == Status.OPEN:
            buttons.append(
                StatusButton(
                    "start",
                    "Start work",
                    self.action_url("start", issue.pk),
                    help="Work on it has begun: In progress.",
                )
            )
        if issue.status in Issue.OPEN_STATUSES:
            buttons.append(
                StatusButton(
                    "close",
                    "Close",
                    self.action_url("close", issue.pk),
                    help="It is dealt with. The customer can still comment.",
                )
            )
        if issue.status == Status.CLOSED:
            buttons.append(
                StatusButton(
                    "reopen",
                    "Reopen",
                    self.action_url("reopen", issue.pk),
                    help="Open again, say because the problem is back.",
                )
            )
        switch = "off" if issue.include_client else "on"
        buttons.append(
            StatusButton(
                "include_client",
                f"Switch Include Client {switch}",
                self.action_url("include_client", issue.pk),
                help=(
                    "The customer stops seeing the request in the portal."
                    if issue.include_client
                    else "The customer sees the request and its Public comments in the portal."
                ),
                hidden={"include": switch},
            )
        )
        return buttons

    def status_note(self, issue: Issue) -> str:
        shown = "checked" if issue.include_client else "not checked"
        return f"Include Client is {shown}."

    def include_client_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Switch Include Client on, or off with `include=off` (the troubleshooter's
        button sends nothing: it only ever switches it on)."""
        issue = self.object_to_change(request, object_id)
        include = request.POST.get("include", "on") != "off"
        try:
            request_include_client(issue_id=issue.pk, actor=staff_of(request), include=include)
        except RequestChangeRefused as refusal:
            # Refused only when it already is as asked: nothing to put right.
            messages.info(request, refusal.message)
        else:
            if include:
                said = "Include Client is now checked: “{}” is shown to the customer in the portal."
            else:
                said = "Include Client is now unchecked: “{}” is no longer shown in the portal."
            messages.success(request, said.format(issue))
        return self.change_page(request, issue)

    def photo_view(self, request: HttpRequest, object_id: str, photo_id: int) -> HttpResponseBase:
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404
        if not self.has_view_or_change_permission(request, issue):
            raise PermissionDenied
        return photo_response(get_object_or_404(Photo, pk=photo_id, issue=issue))

    @admin.display(description="raised by")
    def raised_by(self, issue: Issue) -> str:
        if issue.created_by_contact is not None:
            return f"{issue.created_by_contact.full_name} (customer)"
        if issue.created_by_user is not None:
            return issue.created_by_user.get_full_name()
        return ""

    @admin.display(description="waiting for staff", boolean=True, ordering="waiting_for_staff")
    def waiting_for_staff(self, issue: Issue) -> bool:
        return bool(getattr(issue, "waiting_for_staff", False))

    def save_model(self, request: HttpRequest, obj: Issue, form: Any, change: bool) -> None:
        if not change and obj.created_by_contact_id is None and isinstance(request.user, User):
            obj.created_by_user = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if isinstance(formset, CommentFormSet) and isinstance(request.user, User):
            formset.author = request.user
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
        return _author(comment)

    def save_model(self, request: HttpRequest, obj: Comment, form: Any, change: bool) -> None:
        _written_by_staff(obj, request)
        super().save_model(request, obj, form, change)
