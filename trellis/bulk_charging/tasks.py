from __future__ import annotations

from django_tasks import task

from trellis.bulk_charging import services


@task()
def bulk_item_charge(item_id: int) -> None:
    # Safe to run twice: the item is claimed by one run only.
    services.item_charge(item_id=item_id)
