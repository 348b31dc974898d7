"""A throttled sign-in is refused before any password is hashed, so a flood of
attempts costs a few queries each, not a core; every other attempt hashes
exactly once, whether or not the email has an account, so timing tells no one
who has one."""

from collections import Counter
from unittest import mock

import pytest

import trellis.settings as production
from trellis.accounts.attempts import attempt_record
from trellis.accounts.hashers import Argon2idPasswordHasher
from trellis.accounts.models import AccessAttempt
from trellis.testing.factories import DEFAULT_PASSWORD
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db

THROTTLED = "Too many attempts to sign in."
ADDRESS = "198.51.100.7"


@pytest.fixture
def hashed(settings):
    """How many times Argon2id ran, by method, under production's hashers (the
    suite's are MD5, conftest.py)."""
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    calls: Counter[str] = Counter()

    def spy(name):
        real = getattr(Argon2idPasswordHasher, name)

        def counted(self, *args, **kwargs):
            calls[name] += 1
            return real(self, *args, **kwargs)

        return mock.patch.object(Argon2idPasswordHasher, name, counted)

    with spy("verify"), spy("encode"):
        yield calls


@pytest.fixture
def alice_argon2(alice, hashed):
    """Alice, her password hashed with production's hasher."""
    alice.set_password(DEFAULT_PASSWORD)
    alice.save(update_fields=["password"])
    hashed.clear()
    return alice


def failures(*, emails, ip=ADDRESS):
    for email in emails:
        attempt_record(
            kind=AccessAttempt.Kind.SIGN_IN,
            email=email,
            ip=ip,
            result=AccessAttempt.Result.WRONG_CREDENTIALS,
        )


def office_sign_in(client, email, password):
    return client.post("/office/login/", {"username": email, "password": password})


@pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
def test_a_sign_in_throttled_for_its_email_hashes_nothing(
    client, alice_argon2, hashed, settings, email
):
    failures(emails=[email] * settings.SIGN_IN_FAILURES_PER_EMAIL, ip="203.0.113.1")

    response = sign_in(client, email, DEFAULT_PASSWORD, REMOTE_ADDR=ADDRESS)

    assert THROTTLED in response.content.decode()
    assert hashed == {}


def test_a_sign_in_throttled_for_its_address_hashes_nothing(client, alice_argon2, hashed, settings):
    guesses = [f"guess{n}@example.com" for n in range(settings.SIGN_IN_FAILURES_PER_IP)]
    failures(emails=guesses)

    response = sign_in(client, "alice@example.com", DEFAULT_PASSWORD, REMOTE_ADDR=ADDRESS)

    assert THROTTLED in response.content.decode()
    assert hashed == {}


def test_an_office_sign_in_throttled_hashes_nothing(client, staff, hashed, settings):
    failures(emails=[staff.email] * settings.SIGN_IN_FAILURES_PER_EMAIL)
    hashed.clear()

    response = office_sign_in(client, staff.email, DEFAULT_PASSWORD)

    assert THROTTLED in response.content.decode()
    assert hashed == {}


def test_a_flood_of_guesses_hashes_only_until_the_throttle_answers(client, hashed, settings):
    settings.SIGN_IN_FAILURES_PER_IP = 3

    for n in range(10):
        sign_in(client, f"guess{n}@example.com", "wrong", REMOTE_ADDR=ADDRESS)

    assert sum(hashed.values()) == 3


@pytest.mark.parametrize(
    "who",
    [
        "an unknown email",
        "a wrong password",
        "a deactivated account",
        "staff at the portal",
        "an account with no usable password",
    ],
)
def test_every_refused_sign_in_hashes_exactly_once(client, alice_argon2, staff, hashed, who):
    email, password = "alice@example.com", DEFAULT_PASSWORD
    if who == "an unknown email":
        email = "nobody@example.com"
    elif who == "a wrong password":
        password = "not her password"
    elif who == "a deactivated account":
        alice_argon2.is_active = False
        alice_argon2.save(update_fields=["is_active"])
    elif who == "staff at the portal":
        email = staff.email
    else:
        alice_argon2.set_unusable_password()
        alice_argon2.save(update_fields=["password"])
    hashed.clear()

    response = sign_in(client, email, password)

    assert response.status_code == 200
    assert sum(hashed.values()) == 1
