"""Database connections as the process that starts with these settings keeps them."""

import json
import subprocess
import sys

import pytest

from trellis.tests.test_settings import clean_environment

LOAD_CONNECTION_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
)
POSTGRES = "postgres://trellis@db.internal:5432/trellis"
SECRET = "a-long-random-production-secret"


def connection_settings_with(env_changes: dict[str, str]) -> list:
    env = clean_environment({"SECRET_KEY": SECRET})
    env.pop("CONN_MAX_AGE", None)  # this run's own, if any: each test chooses
    env.update(env_changes)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LOAD_CONNECTION_SETTINGS],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_on_postgresql_keeps_connections_for_a_minute_and_checks_them():
    assert connection_settings_with({"DATABASE_URL": POSTGRES}) == [60, True]


@pytest.mark.parametrize(
    "env_changes",
    [
        {"DATABASE_URL": POSTGRES, "DEBUG": "true"},
        {"DATABASE_URL": "sqlite:////tmp/trellis-connections-test.sqlite3"},
    ],
    ids=["development", "sqlite"],
)
def test_development_and_sqlite_open_a_connection_per_request(env_changes):
    assert connection_settings_with(env_changes) == [0, True]


def test_the_environment_chooses_how_long_a_connection_is_kept():
    assert connection_settings_with({"DATABASE_URL": POSTGRES, "CONN_MAX_AGE": "300"}) == [
        300,
        True,
    ]
