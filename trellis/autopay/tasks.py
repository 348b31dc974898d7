from __future__ import annotations

from django_tasks import task

from trellis.autopay import charging


@task()
def autopay_run() -> None:
    """Today's autopay notices and charges, for a worker's daily schedule;
    safe beside another run (trellis.autopay.charging)."""
    charging.autopay_run()
