"""The company's settings cached in Redis: read without a query, and every
change seen at once by every process (trellis/company/cache.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from trellis.company.cache import company_cache_key, company_cache_put, company_cached
from trellis.company.models import Company
from trellis.company.services import company_settings_update
from trellis.imports.services import import_document
from trellis.tests.redis.processes import trellis_python

pytestmark = pytest.mark.django_db(transaction=True)

# Another process loads the company twice and says what it saw.
LOAD_TWICE = """
from django.db import connection
from django.test.utils import CaptureQueriesContext
from trellis.company.models import Company
for _ in range(2):
    with CaptureQueriesContext(connection) as queries:
        company = Company.load()
    print(company.name, len(queries))
"""


def company_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "company_company" in q["sql"]]


def load_counting_queries() -> tuple[Company, int]:
    with CaptureQueriesContext(connection) as queries:
        company = Company.load()
    return company, len(company_queries(queries))


def renamed(name: str) -> None:
    company_settings_update(actor=None, name=name)


@pytest.fixture
def cached(on_redis):
    """The company, loaded once: in the cache now."""
    renamed("Greenway Landscaping")
    Company.load()


def test_the_second_load_reads_no_company_row(cached):
    company, queries = load_counting_queries()

    assert queries == 0
    assert company.name == "Greenway Landscaping"


def test_the_cached_company_carries_its_logo(cached, tmp_path):
    logo = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    company_settings_update(actor=None, logo=logo)
    saved = Company.objects.get().logo.name
    Company.load()

    company, queries = load_counting_queries()

    assert queries == 0
    assert company.logo.name == saved
    assert company.logo.url.endswith(saved)


def test_a_change_is_seen_at_once_in_this_process(cached):
    renamed("Greenway Gardens")

    company, queries = load_counting_queries()

    assert company.name == "Greenway Gardens"
    assert queries == 1  # read anew, then cached again
    assert load_counting_queries()[1] == 0


def test_a_change_is_seen_at_once_by_another_process(cached, other_process_env):
    assert trellis_python(LOAD_TWICE, other_process_env).splitlines() == [
        "Greenway Landscaping 0",  # the row this process cached
        "Greenway Landscaping 0",
    ]

    renamed("Greenway Gardens")

    assert trellis_python(LOAD_TWICE, other_process_env).splitlines() == [
        "Greenway Gardens 1",
        "Greenway Gardens 0",
    ]


def test_an_import_that_changes_the_company_is_seen_at_once(on_redis):
    import_document(data={"company": {"name": "Greenway Landscaping", "requests_enabled": True}})
    assert Company.load().name == "Greenway Landscaping"
    assert load_counting_queries()[1] == 0

    import_document(data={"company": {"name": "Greenway Gardens", "requests_enabled": False}})

    company, _ = load_counting_queries()
    assert company.name == "Greenway Gardens"
    assert company.requests_enabled is False


def test_a_queryset_update_is_seen_at_once(cached):
    Company.objects.update(invoices_enabled=False)

    assert Company.load().invoices_enabled is False


def test_a_deleted_company_is_loaded_anew_with_the_defaults(cached):
    Company.objects.all().delete()

    assert Company.load().name == "Your landscaping company"


def test_a_rolled_back_change_leaves_the_committed_company_cached(cached):
    with pytest.raises(RuntimeError), transaction.atomic():
        renamed("Never Committed")
        assert Company.load().name == "Never Committed"  # the transaction sees its own change
        raise RuntimeError("the action fails")

    company, queries = load_counting_queries()

    assert company.name == "Greenway Landscaping"
    assert queries == 0


def test_a_row_read_before_a_change_committed_is_never_served_after_it(on_redis):
    # A slow process: it misses the cache and reads the row, then another
    # process's change commits, and only then does it cache what it read.
    renamed("Greenway Landscaping")
    key = company_cache_key()
    assert key is not None
    assert company_cached(key) is None
    read_before = Company.objects.get()

    renamed("Greenway Gardens")
    company_cache_put(key, read_before)

    assert Company.load().name == "Greenway Gardens"


def test_without_a_shared_cache_every_load_reads_the_database():
    Company.load()

    assert load_counting_queries()[1] == 1
