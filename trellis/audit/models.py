from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntry(models.Model):
    """Who did what to which object, and when. Rows are only ever added."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        help_text="Empty when the system acted (an import, a scheduled task).",
    )
    action = models.CharField(max_length=100, help_text='Dotted name, e.g. "invoice.printed".')
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(
        max_length=64, blank=True, help_text="The request's id, as in the logs and on error pages."
    )
    ip_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="The client's address, when a request caused it."
    )

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}".strip()
