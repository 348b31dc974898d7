from __future__ import annotations

from django_tasks import task

from trellis.mail.delivery import email_deliver


@task()
def deliver_email(email_id: int) -> None:
    # Safe to run twice, or beside the sweeper: only the delivery that claims
    # the row sends it (trellis.mail.delivery).
    email_deliver(email_id=email_id)
