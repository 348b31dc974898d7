"""Sessions on cached_db: read from Redis, kept in the database, and ended in both."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from trellis.accounts.portal_accounts import portal_account_set_active
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = "/profile/"


def session_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]


def cached_sessions(redis) -> list[bytes]:
    return redis.keys(f"*{KEY_PREFIX}*")


@pytest.fixture
def alices_browser(on_redis, greenway, alice):
    browser = Client()
    assert sign_in(browser, "alice@example.com").status_code == 302
    assert browser.get(PROFILE).status_code == 200
    return browser


def test_a_page_reads_the_session_and_the_company_from_redis_not_the_database(
    alices_browser, on_redis
):
    with CaptureQueriesContext(connection) as queries:
        assert alices_browser.get(PROFILE).status_code == 200

    assert session_queries(queries) == []
    assert [q["sql"] for q in queries.captured_queries if "company_company" in q["sql"]] == []
    assert len(cached_sessions(on_redis)) == 1


def test_a_session_outlives_a_redis_flush_because_the_database_keeps_it(alices_browser, on_redis):
    on_redis.flushdb()

    with CaptureQueriesContext(connection) as queries:
        assert alices_browser.get(PROFILE).status_code == 200

    assert len(session_queries(queries)) == 1  # read from the database once
    assert len(cached_sessions(on_redis)) == 1  # and cached again
    with CaptureQueriesContext(connection) as queries:
        assert alices_browser.get(PROFILE).status_code == 200
    assert session_queries(queries) == []


def test_signing_out_ends_the_session_in_redis_and_the_database(alices_browser, on_redis):
    session_key = alices_browser.cookies[settings.SESSION_COOKIE_NAME].value

    alices_browser.post("/sign-out/")

    assert not Session.objects.filter(session_key=session_key).exists()
    assert on_redis.keys(f"*{KEY_PREFIX}{session_key}") == []
    assert alices_browser.get(PROFILE).status_code == 302


def test_portal_access_turned_off_and_on_again_leaves_no_cached_session_signed_in(
    alices_browser, on_redis, alice, staff, client
):
    bobs_browser = client
    bobs_browser.force_login(staff)
    assert len(cached_sessions(on_redis)) == 2

    portal_account_set_active(contact=alice.contact, actor=staff, active=False)
    portal_account_set_active(contact=alice.contact, actor=staff, active=True)

    assert alices_browser.get(PROFILE).url == f"/sign-in/?next={PROFILE}"
    assert len(cached_sessions(on_redis)) == 1  # Jane's own, untouched
    assert sign_in(Client(), "alice@example.com").status_code == 302  # she can sign in again
