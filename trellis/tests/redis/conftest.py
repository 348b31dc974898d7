"""Trellis on the real Redis at 127.0.0.1:6379, as with REDIS_URL set.

Skipped when Redis does not answer, except in CI (CI is set), where a Redis
that is down fails the run: `.ci/run` starts one. Each run takes a Redis
database number of its own (claimed in database 0, used by nobody else while
the claim lasts), so runs side by side never see each other's keys, and it
flushes only that database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from redis import Redis
from redis.exceptions import RedisError

from trellis.tests.redis.processes import database_for_other_processes, trellis_environment

HOST, PORT = "127.0.0.1", 6379
CLAIM = "trellis-tests:database:{}"
CLAIM_SECONDS = 3600


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """redis://127.0.0.1:6379/N, N a database of this run's own and empty."""
    registry = Redis(host=HOST, port=PORT, socket_connect_timeout=2)
    try:
        registry.ping()
    except RedisError as error:
        message = f"Redis does not answer at {HOST}:{PORT} ({error})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the Redis tests", pytrace=False)
        pytest.skip(f"{message}: start redis-server to run these tests")
    token = secrets.token_hex(8)
    number = next(
        (n for n in range(1, 16) if _claim(registry, n, token)),
        None,
    )
    if number is None:
        pytest.fail("Every Redis database 1-15 is claimed by another test run", pytrace=False)
    own = Redis(host=HOST, port=PORT, db=number)
    try:
        yield f"redis://{HOST}:{PORT}/{number}"
    finally:
        own.flushdb()
        own.close()
        if registry.get(CLAIM.format(number)) == token.encode():
            registry.delete(CLAIM.format(number))
        registry.close()


def _claim(registry: Redis, number: int, token: str) -> bool:
    if not registry.set(CLAIM.format(number), token, nx=True, ex=CLAIM_SECONDS):
        return False
    if Redis(host=HOST, port=PORT, db=number).dbsize():  # someone uses it without a claim
        registry.delete(CLAIM.format(number))
        return False
    return True


@pytest.fixture
def redis(redis_url) -> Iterator[Redis]:
    """This run's Redis database, emptied after each test."""
    client = Redis.from_url(redis_url)
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def on_redis(settings, redis, redis_url):
    """The settings REDIS_URL gives (trellis/settings.py): cache, sessions and
    tasks on Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "trellis",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    return redis


@pytest.fixture
def other_process_env(transactional_db, on_redis, redis_url, tmp_path) -> Iterator[dict[str, str]]:
    """The environment of another Trellis process (a worker, an app server) on
    this test's database and Redis, until the test ends. Ask for it after any
    fixture that sets the email settings."""
    with database_for_other_processes(tmp_path) as database_url:
        yield trellis_environment(database_url=database_url, redis_url=redis_url, folder=tmp_path)
