"""Office lists: one page of rows at a time, and links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.http import urlencode

PER_PAGE = 50


def url_with(request: HttpRequest, **changes: object) -> str:
    """This page's URL with some query parameters changed (None or "" drops one).
    Changing anything but the page starts again at page 1."""
    query = request.GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for name, value in changes.items():
        if value in (None, ""):
            query.pop(name, None)
        else:
            query[name] = str(value)
    encoded = urlencode(sorted(query.lists()), doseq=True)
    return f"{request.path}?{encoded}" if encoded else request.path


@dataclass(frozen=True)
class Listing:
    page: Page[Any]
    previous_url: str
    next_url: str

    @property
    def rows(self) -> list[Any]:
        return list(self.page.object_list)


def listing_of(request: HttpRequest, rows: QuerySet[Any], *, per_page: int = PER_PAGE) -> Listing:
    """The page of `rows` the request asks for (?page=N; past the end, the last)."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    return Listing(
        page=page,
        previous_url=url_with(request, page=page.previous_page_number())
        if page.has_previous()
        else "",
        next_url=url_with(request, page=page.next_page_number()) if page.has_next() else "",
    )
