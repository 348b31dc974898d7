"""Settings are read in a fresh interpreter here: they are evaluated once per process."""

import os
import subprocess
import sys

LOAD_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
)


def run_with(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "trellis.settings"
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", LOAD_SETTINGS], env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with({"DEBUG": None, "SECRET_KEY": None})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_an_empty_secret_key_counts_as_missing():
    result = run_with({"DEBUG": "false", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_a_secret_key_and_debug_off():
    result = run_with({"DEBUG": None, "SECRET_KEY": "a-long-random-production-secret"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_may_start_without_a_secret_key():
    result = run_with({"DEBUG": "true", "SECRET_KEY": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_malformed_boolean_is_an_error_not_a_silent_default():
    result = run_with({"DEBUG": "maybe", "SECRET_KEY": "x" * 40})
    assert result.returncode != 0
