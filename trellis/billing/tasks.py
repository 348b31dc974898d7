from __future__ import annotations

from django_tasks import task

from trellis.billing.payments import payment_notices_send


@task()
def payment_notices(payment_id: int) -> None:
    # Safe to run twice: the second run finds the inbox item and does nothing.
    payment_notices_send(payment_id=payment_id)
