"""Idempotency: what the processor answered for a (kind, key) before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from trellis.sandbox_processor.models import Operation


def operation_once(
    kind: str, key: str, make: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """The answer stored for this key, or `make()`'s, stored with it in one
    transaction; and whether this call made it. `make` may write rows: they
    commit with the answer or not at all."""
    existing = Operation.objects.filter(kind=kind, idempotency_key=key).first()
    if existing is not None:
        return existing.response, False
    try:
        with transaction.atomic():
            # The key is claimed first: a second caller with the same key
            # waits on it, then fails the unique constraint, rather than
            # doing the work twice.
            operation = Operation.objects.create(kind=kind, idempotency_key=key)
            operation.response = make()
            operation.save(update_fields=["response"])
    except IntegrityError:  # the same key, at the same moment, from elsewhere
        return Operation.objects.get(kind=kind, idempotency_key=key).response, False
    return operation.response, True
