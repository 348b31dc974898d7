from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry


def audit_record(
    *,
    action: str,
    target: models.Model | None = None,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log; call it inside the action's transaction."""
    entry = AuditEntry(action=action, actor=actor, data=data or {})
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:300]
    entry.save()
    return entry
