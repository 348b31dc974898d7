from __future__ import annotations

from django_tasks import task

from trellis.sandbox_processor.events import event_deliver


@task()
def deliver_sandbox_event(event_id: int) -> None:
    # Safe beside the sweeper: only the delivery that claims the event posts it.
    event_deliver(event_id=event_id)
