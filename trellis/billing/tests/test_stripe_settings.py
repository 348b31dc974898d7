import os
import subprocess
import sys

import pytest

KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_123",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_123",
    "STRIPE_WEBHOOK_SECRET": "whsec_123",
}
START = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'trellis.settings'); "
    "django.setup(); from trellis.billing.gateways import get_gateway; print(get_gateway().name)"
)


def start_trellis(**stripe_settings):
    env = {name: value for name, value in os.environ.items() if not name.startswith("STRIPE_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(PAYMENT_GATEWAY="stripe", **stripe_settings)
    return subprocess.run(  # noqa: S603 (this interpreter, a fixed program)
        [sys.executable, "-c", START], env=env, capture_output=True, text=True, timeout=60
    )


def test_stripe_with_its_three_keys_starts():
    started = start_trellis(**KEYS)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().endswith("stripe")


@pytest.mark.parametrize("missing", list(KEYS))
def test_stripe_with_a_key_missing_refuses_to_start_and_names_it(missing):
    started = start_trellis(**{name: value for name, value in KEYS.items() if name != missing})
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert f"PAYMENT_GATEWAY=stripe needs {missing}:" in started.stderr


def test_stripe_with_an_empty_key_refuses_to_start():
    started = start_trellis(**{**KEYS, "STRIPE_WEBHOOK_SECRET": ""})
    assert started.returncode != 0
    assert "needs STRIPE_WEBHOOK_SECRET" in started.stderr
