"""An office page's queries must not grow with the data: it is asked once with
5 rows and once with 500, and both answers must run the same number of queries."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured.captured_queries)


def assert_queries_do_not_grow(
    client: Client, url: str | Callable[[], str], *, add_rows: Callable[[int], object]
) -> int:
    """Adds 5 rows, counts the page's queries, adds 495 more, counts again.
    `url` may be a callable, for a page whose address is known only once its
    rows exist. Returns the count, for a test that also bounds it."""
    add_rows(5)
    page = url if isinstance(url, str) else url()
    with_5 = queries_of(client, page)
    add_rows(495)
    with_500 = queries_of(client, page)
    assert with_500 == with_5, f"{page}: {with_5} queries with 5 rows, {with_500} with 500"
    return with_5
