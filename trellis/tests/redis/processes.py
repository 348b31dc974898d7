"""Other Trellis processes for the Redis tests: workers and app processes that
share this test's database and Redis, as other machines would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


@contextmanager
def database_for_other_processes(folder: Path) -> Iterator[str]:
    """A DATABASE_URL other processes can open, holding what this test wrote.

    For a transactional test (rows committed), from its start to its end. On
    PostgreSQL it is the test database itself. On SQLite the test database
    lives in this process's memory: it is copied to a file, which this process
    then uses too until the test ends (the copy in memory is left as it was,
    for the test's teardown to empty)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user, password = quote(db["USER"], safe=""), quote(db["PASSWORD"], safe="")
        yield f"postgres://{user}:{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        return
    path = folder / "shared.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    params = {**connection.get_connection_params(), "database": str(path)}
    shared = connection.get_new_connection(params)
    shared.isolation_level = None  # autocommit, as Django sets its own connections
    memory.backup(shared)
    connection.connection = shared
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.connection = memory
        shared.close()


def trellis_environment(*, database_url: str, redis_url: str, folder: Path) -> dict[str, str]:
    """The environment of a Trellis process with REDIS_URL set, on this test's
    database, sending email to this test's SMTP server (settings.EMAIL_*)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TASKS_BACKEND": "rq",
        "CONN_MAX_AGE": "0",
        "TRELLIS_DATA_DIR": str(folder),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": str(settings.EMAIL_HOST),
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "EMAIL_USE_TLS": "false",
    }


def trellis_command(*args: str) -> list[str]:
    """`trellis ARGS`, as the installed script runs it."""
    return [sys.executable, "-m", "trellis.manage", *args]


def trellis_python(code: str, env: dict[str, str]) -> str:
    """Run `code` in a new Trellis process (`trellis shell -c`); what it printed."""
    result = subprocess.run(  # noqa: S603
        trellis_command("shell", "--no-imports", "-c", code),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
