from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.text import capfirst

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.request_context import current_client_ip, current_request_id


def audit_record(
    *,
    action: str,
    target: models.Model | None = None,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log; call it inside the action's transaction.

    The request's id and client address come with it, when a request caused it.
    """
    entry = AuditEntry(
        action=action,
        actor=actor,
        data=data or {},
        request_id=current_request_id(),
        ip_address=current_client_ip(),
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:300]
    entry.save()
    return entry


def audit_fields_changed(
    *, action: str, target: models.Model, actor: User | None, fields: list[str]
) -> AuditEntry:
    """An entry naming the fields that changed (never their values), as the
    admin's history writes them: [{"changed": {"fields": ["Name", …]}}]."""
    concrete = {field.name: field for field in target._meta.concrete_fields}
    labels = [capfirst(concrete[name].verbose_name) for name in fields]
    return audit_record(
        action=action,
        target=target,
        actor=actor,
        data={"changes": [{"changed": {"fields": labels}}]},
    )
