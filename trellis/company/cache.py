"""The company's settings, cached where every process shares the cache.

Almost every page reads the one Company row (the portal's switches, the
office's branding). With REDIS_URL set, the cache is Redis, which every app
server and worker sees, so the row is kept there and a change is seen by all
of them at once. Without it, the cache is each process's own memory, where a
change made by one gunicorn worker could not reach the others: the row is then
read from the database every time, as it always was.

Invalidation is by version, not by deleting the entry. The entry's key names
the current version; a save or delete of the row bumps the version once its
transaction commits. So an entry written from a read made before that commit,
however late it is written, lands under a version nobody reads any more, and
a change that is rolled back bumps nothing (the entry still holds the row as
committed). A transaction never reads or fills the cache: it must see its own
uncommitted changes, and the cache must never hold them.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any

import django
from django.core.cache import cache
from django.db import connection, transaction

if TYPE_CHECKING:
    from trellis.company.models import Company

logger = logging.getLogger(__name__)

# A backstop only: every change bumps the version, so no entry has to expire
# to be replaced.
TIMEOUT_SECONDS = 600
VERSION_KEY = "company:version"
# Each process's own cache: another process's change would never reach it.
PER_PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


def company_cache_in_use() -> bool:
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES


def company_cache_key() -> str | None:
    """Where the row is cached now, or None where the cache is not to be used
    (per process, inside a transaction, or unreachable). Taken before the
    database is read, so a row read before a change commits is never kept
    under the version that comes after it."""
    if not company_cache_in_use() or connection.in_atomic_block:
        return None
    try:
        return f"company:{_shape()}:{_version()}"
    except Exception:
        logger.warning("The cache is unreachable; company settings read from the database")
        return None


def company_cached(key: str) -> Company | None:
    try:
        company: Company | None = cache.get(key)
    except Exception:
        logger.warning("The cache is unreachable; company settings read from the database")
        return None
    return company


def company_cache_put(key: str, company: Company) -> None:
    try:
        cache.set(key, company, TIMEOUT_SECONDS)
    except Exception:
        logger.warning("The cache is unreachable; company settings not cached")


def company_cache_forget(**kwargs: Any) -> None:
    """post_save and post_delete of Company: once the change commits, every
    process reads the row anew. A rollback discards this, the change with it."""
    if company_cache_in_use():
        transaction.on_commit(_bump_version)


def _bump_version() -> None:
    try:
        if cache.get(VERSION_KEY) is None:
            _version()  # a new or flushed cache: a first version is new already
        else:
            cache.incr(VERSION_KEY)
    except Exception:
        logger.exception(
            "Could not tell the cache that the company settings changed; other processes "
            "may show the old ones for up to %s seconds",
            TIMEOUT_SECONDS,
        )


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Never an old number again: entries written under one that was
        # evicted could still be there.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version)


@functools.cache
def _shape() -> str:
    # The row is cached pickled: code with other fields, or another Django,
    # reads entries of its own (a deploy rolls out while the old code runs).
    from trellis.company.models import Company

    names = ",".join(field.attname for field in Company._meta.concrete_fields)
    return hashlib.sha256(f"{django.__version__}:{names}".encode()).hexdigest()[:12]
