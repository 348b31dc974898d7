"""What REDIS_URL and TASKS_BACKEND choose, as a process starting with them sees it."""

import json
import subprocess
import sys

from trellis.tests.test_settings import clean_environment, deploy_check

LOAD_SHARED_STATE_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.CACHES['default'], settings.SESSION_ENGINE, "
    "settings.TASKS['default']['BACKEND'], getattr(settings, 'RQ_QUEUES', None), "
    "[app for app in settings.INSTALLED_APPS if 'rq' in app]]))"
)
REDIS = "redis://redis.internal:6379/0"


def start_with(env_changes: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = clean_environment({"SECRET_KEY": "a-long-random-production-secret"})
    for name in ("REDIS_URL", "TASKS_BACKEND"):
        env.pop(name, None)  # this run's own, if any: each test chooses
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", LOAD_SHARED_STATE_SETTINGS],
        env={**env, **env_changes},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(env_changes: dict[str, str]) -> list:
    result = start_with(env_changes)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_redis_the_cache_sessions_and_tasks_are_on_redis():
    cache, sessions, tasks, queues, apps = settings_with({"REDIS_URL": REDIS})

    assert cache == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS,
        "KEY_PREFIX": "trellis",
    }
    assert sessions == "django.contrib.sessions.backends.cached_db"
    assert tasks == "django_tasks_rq.RQBackend"
    assert queues == {"default": {"URL": REDIS}}
    assert apps == ["django_rq", "django_tasks_rq"]


def test_without_redis_everything_stays_in_the_process_and_its_database():
    cache, sessions, tasks, queues, apps = settings_with({})

    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert sessions == "django.contrib.sessions.backends.db"
    assert tasks == "django_tasks.backends.immediate.ImmediateBackend"
    assert (queues, apps) == (None, [])


def test_with_redis_the_database_queue_can_still_be_chosen():
    _, _, tasks, queues, _ = settings_with({"REDIS_URL": REDIS, "TASKS_BACKEND": "database"})

    assert tasks == "django_tasks_db.DatabaseBackend"
    assert queues is None


def test_the_rq_queue_without_redis_refuses_to_start():
    result = start_with({"TASKS_BACKEND": "rq"})

    assert result.returncode != 0
    assert "TASKS_BACKEND=rq queues tasks in Redis: set REDIS_URL too" in result.stderr


def test_the_deploy_check_passes_with_redis_for_everything():
    result = deploy_check({"REDIS_URL": REDIS, "TASKS_BACKEND": ""})

    assert result.returncode == 0, result.stdout + result.stderr
