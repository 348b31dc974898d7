"""Settings are read in a fresh interpreter here: they are evaluated once per process."""

import json
import os
import secrets
import subprocess
import sys

from trellis.testing.production_example import production_example

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


def test_production_refuses_the_sandbox_processor_unless_it_is_asked_for():
    result = run_with(
        {
            "DEBUG": None,
            "SECRET_KEY": "a-long-random-production-secret",
            "PAYMENT_GATEWAY": None,
            "SANDBOX_PROCESSOR_ENABLED": None,
        }
    )
    assert result.returncode != 0
    assert "PAYMENT_GATEWAY=sandbox takes test cards only" in result.stderr


def test_a_staging_site_may_run_the_sandbox_with_a_webhook_secret_of_its_own():
    staging = {
        "DEBUG": None,
        "SECRET_KEY": "a-long-random-production-secret",
        "PAYMENT_GATEWAY": "sandbox",
        "SANDBOX_PROCESSOR_ENABLED": "true",
    }
    refused = run_with({**staging, "SANDBOX_WEBHOOK_SECRET": None})
    assert refused.returncode != 0
    assert "needs SANDBOX_WEBHOOK_SECRET" in refused.stderr
    started = run_with({**staging, "SANDBOX_WEBHOOK_SECRET": "a-long-random-webhook-secret"})
    assert started.returncode == 0, started.stderr


def test_a_malformed_boolean_is_an_error_not_a_silent_default():
    result = run_with({"DEBUG": "maybe", "SECRET_KEY": "x" * 40})
    assert result.returncode != 0


# The security settings, as the process that starts with them sees them.
LOAD_SECURITY_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in %r}))"
)
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
]


def clean_environment(env_changes: dict[str, str]) -> dict[str, str]:
    """This process's environment without any setting the tests chose (the
    test run turns the https redirect off), plus the changes."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG"} and not k.startswith("SECURE_")
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "trellis.settings", **env_changes}


def security_settings_with(env_changes: dict[str, str]) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LOAD_SECURITY_SETTINGS % SECURITY_SETTINGS],
        env=clean_environment(env_changes),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_is_https_only_with_host_only_cookies_by_default():
    assert security_settings_with({"SECRET_KEY": "a-long-random-production-secret"}) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }


def test_development_on_plain_http_has_plain_cookies_and_no_hsts():
    found = security_settings_with({"DEBUG": "true"})
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SECURE_HSTS_SECONDS"] == 0
    assert (found["SESSION_COOKIE_NAME"], found["CSRF_COOKIE_NAME"]) == ("sessionid", "csrftoken")
    assert not found["SESSION_COOKIE_SECURE"] and not found["CSRF_COOKIE_SECURE"]
    assert found["LANGUAGE_COOKIE_SECURE"] is False
    assert found["SESSION_COOKIE_SAMESITE"] == found["LANGUAGE_COOKIE_SAMESITE"] == "Lax"


def test_each_https_setting_is_read_from_the_environment():
    found = security_settings_with(
        {
            "SECRET_KEY": "a-long-random-production-secret",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "600",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
            "SECURE_HSTS_PRELOAD": "true",
            "SECURE_COOKIES": "false",
        }
    )
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SECURE_HSTS_SECONDS"] == 600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert found["SECURE_HSTS_PRELOAD"] is True
    # A cookie that is not Secure cannot carry the __Host- prefix.
    assert (found["SESSION_COOKIE_NAME"], found["CSRF_COOKIE_NAME"]) == ("sessionid", "csrftoken")
    assert not found["SESSION_COOKIE_SECURE"] and not found["LANGUAGE_COOKIE_SECURE"]


# The README's production example; .ci/run checks the same environment.
PRODUCTION_EXAMPLE = production_example()


def deploy_check(env_changes: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": secrets.token_urlsafe(50),
        # What the README leaves to the operator (<placeholders>), as .ci/run fills them in.
        "STRIPE_SECRET_KEY": "sk_test_ci",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_ci",
        "STRIPE_WEBHOOK_SECRET": "whsec_ci",
        **PRODUCTION_EXAMPLE,
        **env_changes,
    }
    return subprocess.run(
        [sys.executable, "-m", "trellis.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env={k: v for k, v in env.items() if v},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_with_the_readme_production_example():
    result = deploy_check({})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_on_a_warning_such_as_hsts_turned_off():
    result = deploy_check({"SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
