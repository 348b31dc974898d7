from __future__ import annotations

from django_tasks import task

from trellis.billing import reconciliation
from trellis.billing.payments import payment_notices_send


@task()
def payment_notices(payment_id: int) -> None:
    # Safe to run twice: the second run finds the inbox item and does nothing.
    payment_notices_send(payment_id=payment_id)


@task()
def payments_reconcile() -> None:
    """The reconciliation of payments left pending, for a worker's schedule;
    safe beside another run (trellis.billing.reconciliation)."""
    reconciliation.payments_reconcile()
