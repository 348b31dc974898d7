from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Issue(models.Model):
    """Work a customer or staff raised about a property; the portal calls it a Request.

    It reaches the portal only with `include_client` on, and then only its
    Public comments do.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    property = models.ForeignKey(
        "customers.Property", on_delete=models.PROTECT, related_name="issues"
    )
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    include_client = models.BooleanField(
        "Include Client",
        default=False,
        help_text="Show this request to the customer in the portal.",
    )
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who raised it.",
    )
    created_by_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_issues",
        help_text="The customer who raised it in the portal.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_issues",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The staff member looking after it (request_assign sets it).",
    )
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Staff say what the portal says.
        verbose_name = "request"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["property", "include_client", "status"], name="issue_property_visible"
            ),
            # The portal's newest open requests from the index alone (trellis.slices).
            models.Index(
                fields=["property", "status", "created_at", "id"],
                condition=models.Q(include_client=True),
                name="issue_shown_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "closed"]), name="issue_status_known"
            ),
            models.CheckConstraint(
                condition=Q(created_by_user__isnull=True) | Q(created_by_contact__isnull=True),
                name="issue_raised_by_one_person",
            ),
            # A closed request says when it was closed; any other has no such time.
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="issue_closed_when_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who wrote it.",
    )
    author_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="The customer who wrote it.",
    )
    body = models.TextField()
    is_public = models.BooleanField(
        "Public", default=False, help_text="Show this comment to the customer in the portal."
    )
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["issue", "is_public", "created_at"], name="comment_issue_public")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_user__isnull=True) | Q(author_contact__isnull=True),
                name="comment_written_by_one_person",
            ),
            # What a customer writes is always public (DESIGN.md, "Who sees what").
            models.CheckConstraint(
                condition=Q(author_contact__isnull=True) | Q(is_public=True),
                name="comment_by_customer_is_public",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def author_name(self) -> str:
        if self.author_contact_id is not None:
            return self.author_contact.full_name  # type: ignore[union-attr]
        if self.author_user_id is not None:
            return self.author_user.get_full_name()  # type: ignore[union-attr]
        return ""


def photo_path(photo: Photo, filename: str) -> str:
    # The stored name is ours: a customer's file name could say anything.
    return f"requests/{photo.issue_id}/{uuid.uuid4().hex}{photo.extension}"


class Photo(models.Model):
    """A photo attached to a request, by the customer or staff."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="photos")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(upload_to=photo_path)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(help_text="In bytes.")
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.image.name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")
