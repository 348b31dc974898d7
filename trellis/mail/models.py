from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class OutgoingEmail(models.Model):
    """One email, as a row before it is anything else.

    It is created in the same transaction as the action that causes it, so an
    action that rolls back sends nothing, and an action that commits cannot lose
    its email. A task delivers it after commit; failures are retried with
    backoff and every attempt's outcome stays visible to staff.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Portal invitation"
        PASSWORD_RESET = "password_reset", "Password reset"
        EMAIL_CHANGED = "email_changed", "Sign-in email changed"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        DOCUMENT = "document", "Proposal or invoice"
        NOTIFICATION = "notification", "Notification"
        RECEIPT = "receipt", "Payment receipt"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    to_address = models.EmailField("to")
    from_address = models.CharField("from", max_length=320)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(
        max_length=300, help_text="The Message-ID header, fixed when queued, same on every attempt."
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
        help_text="The contact it was sent to or is about.",
    )
    about_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    about_id = models.CharField(max_length=64, blank=True)
    # An email whose link lets the recipient in (an invitation, a reset) is
    # stored with the link's token masked; the token waits here, encrypted,
    # only until the email is sent (trellis.mail.links).
    link_secret = models.TextField(
        blank=True,
        editable=False,
        help_text="The masked link's token, encrypted; emptied once the email is sent.",
    )
    link_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the masked link stops working; empty when the email has none.",
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "email"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="email_due"),
            models.Index(fields=["contact", "-created_at"], name="email_by_contact"),
            models.Index(fields=["about_type", "about_id"], name="email_about"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed"]),
                name="email_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="email_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address}"

    @property
    def has_masked_link(self) -> bool:
        return self.link_expires_at is not None


class OutgoingAttachment(models.Model):
    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename


FILL_IN = re.compile(r"\{(\w+)\}")


class EmailTemplate(models.Model):
    """Text staff can edit for an email the company sends, in one language.

    The body is plain text with fill-in fields in braces, e.g. {first_name};
    `trellis.mail.templates` lists the fields each kind offers.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Portal invitation"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.CharField(max_length=8, choices=[("en", "English"), ("es", "Español")])
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="email_template_once"),
        ]

    FILL_INS: dict[str, tuple[str, ...]] = {
        Kind.INVITATION: (
            "first_name",
            "last_name",
            "company_name",
            "inviter_name",
            "invitation_link",
            "expires_on",
        ),
    }

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"

    def clean(self) -> None:
        offered = self.FILL_INS.get(self.kind, ())
        errors = {}
        for field in ("subject", "body"):
            unknown = sorted(set(FILL_IN.findall(getattr(self, field))) - set(offered))
            if unknown:
                errors[field] = (
                    f"Unknown fill-in field: {', '.join('{' + u + '}' for u in unknown)}. "
                    f"Available: {', '.join('{' + o + '}' for o in offered)}."
                )
        if "{invitation_link}" not in self.body and self.kind == self.Kind.INVITATION:
            errors.setdefault("body", "The body must contain {invitation_link}.")
        if errors:
            raise ValidationError(errors)
