"""trellis.slices: the first rows with totals over all of them, and pages read
by their ids, give what Django's own slicing, aggregates and Paginator give."""

from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Max, Sum
from django.test.utils import CaptureQueriesContext

from trellis.billing.models import Invoice
from trellis.slices import DeferredJoinPaginator, first_rows
from trellis.testing.documents import invoices
from trellis.testing.factories import PropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve():
    prop = PropertyFactory()
    made = invoices(prop, 12)
    for n, invoice in enumerate(made):  # totals that differ, to tell a sum from a count
        Invoice.objects.filter(pk=invoice.pk).update(
            subtotal=Decimal(100 + n), total=Decimal(100 + n)
        )
    invoices(PropertyFactory(), 3)  # not in the list
    return (
        Invoice.objects.filter(property=prop).select_related("property").order_by("-due_on", "id")
    )


def test_first_rows_are_the_first_of_the_list_with_totals_over_all_of_it(twelve):
    with CaptureQueriesContext(connection) as queries:
        rows, totals = first_rows(twelve, first=5, count=Count("pk"), total=Sum("total"))
        [row.property.name for row in rows]  # select_related kept: no query more
    assert len(queries) == 1
    assert rows == list(twelve[:5])
    assert totals == {"count": 12, "total": Decimal(sum(range(100, 112)))}


def test_first_rows_of_an_empty_list_count_nothing(twelve):
    rows, totals = first_rows(twelve.filter(pk=0), first=5, count=Count("pk"), latest=Max("due_on"))
    assert rows == []
    assert totals == {"count": 0, "latest": None}


def test_first_rows_shorter_than_asked(twelve):
    rows, totals = first_rows(twelve, first=50, count=Count("pk"))
    assert rows == list(twelve)
    assert totals["count"] == 12


@pytest.mark.parametrize("number", [1, 2, 3, "last", "9", "x"])
def test_a_page_read_by_its_ids_is_the_page_django_gives(twelve, number):
    ours = DeferredJoinPaginator(twelve, 5).get_page(number)
    django = Paginator(twelve, 5).get_page(number)
    assert list(ours) == list(django)
    assert (ours.number, ours.has_next(), ours.start_index(), ours.end_index()) == (
        django.number,
        django.has_next(),
        django.start_index(),
        django.end_index(),
    )


def test_a_count_given_saves_the_count_query(twelve):
    with CaptureQueriesContext(connection) as counted:
        list(DeferredJoinPaginator(twelve, 5).get_page(2))
    with CaptureQueriesContext(connection) as given:
        page = DeferredJoinPaginator(twelve, 5, count=12).get_page(2)
        list(page)
    assert len(given) == len(counted) - 1 == 1
    assert page.paginator.num_pages == 3
