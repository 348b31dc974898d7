"""Reads of the inbox: one page of items, and the count of each kind, in two
queries whatever the size of the history (the list's indexes serve both)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from trellis.accounts.models import User
from trellis.inbox.models import InboxItem, NotificationPreference
from trellis.inbox.notify import ITEM_RELATED

OPEN, DONE = "open", "done"
PAGE_SIZE = 25


def inbox_items(
    *, state: str = OPEN, kind: str | None = None, property_id: int | None = None
) -> QuerySet[InboxItem]:
    """Open items newest first, or done ones most recently done first."""
    items = InboxItem.objects.all()
    if state == DONE:
        items = items.filter(done_at__isnull=False).order_by("-done_at", "-id")
    else:
        items = items.filter(done_at__isnull=True).order_by("-created_at", "-id")
    if kind:
        items = items.filter(kind=kind)
    if property_id is not None:
        items = items.filter(property_id=property_id)
    return items


def inbox_counts(*, state: str = OPEN, property_id: int | None = None) -> dict[str, int]:
    """How many items of each kind (for the state and property chosen); kinds
    with none are left out. One query."""
    rows = (
        inbox_items(state=state, property_id=property_id)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return dict(rows)


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    number: int
    num_pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def inbox_page(
    *,
    counts: dict[str, int],
    state: str = OPEN,
    kind: str | None = None,
    property_id: int | None = None,
    number: int = 1,
    per_page: int = PAGE_SIZE,
) -> InboxPage:
    """One page of items with every object they are about, in one query. The
    total comes from `counts` (inbox_counts for the same state and property),
    so the page needs no COUNT of its own."""
    count = counts.get(kind, 0) if kind else sum(counts.values())
    num_pages = max(1, -(-count // per_page))
    number = min(max(1, number), num_pages)
    start = (number - 1) * per_page
    items = list(
        inbox_items(state=state, kind=kind, property_id=property_id).select_related(*ITEM_RELATED)[
            start : start + per_page
        ]
    )
    return InboxPage(items=items, number=number, num_pages=num_pages, count=count)


def notification_preferences_of(*, user: User) -> dict[str, str]:
    """The delivery `user` chose for each kind; every kind is there ("none" if not chosen)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {
        kind: chosen.get(kind, NotificationPreference.Delivery.NONE)
        for kind in InboxItem.Kind.values
    }
