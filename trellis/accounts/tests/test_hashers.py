import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test import Client

import trellis.settings as production
from trellis.accounts.hashers import Argon2idPasswordHasher
from trellis.accounts.models import User
from trellis.testing.factories import DEFAULT_PASSWORD
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db

OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"
DJANGOS_DEFAULT = "argon2$argon2id$v=19$m=102400,t=2,p=8$"


@pytest.fixture(autouse=True)
def _production_hashers(settings):
    # The suite hashes with MD5 for speed (conftest.py).
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


@pytest.fixture
def hashed_before(alice):
    """Alice's password as it was stored before the change: Django's default
    Argon2 parameters."""
    alice.password = make_password(DEFAULT_PASSWORD, hasher=Argon2PasswordHasher())
    alice.save(update_fields=["password"])
    assert alice.password.startswith(DJANGOS_DEFAULT)
    return alice.password


def stored_password(user):
    return User.objects.get(pk=user.pk).password


def test_a_new_password_is_hashed_with_owasps_argon2id_parameters():
    assert production.PASSWORD_HASHERS[0] == "trellis.accounts.hashers.Argon2idPasswordHasher"

    assert make_password(DEFAULT_PASSWORD).startswith(OWASP)


def test_a_hash_with_djangos_default_parameters_still_verifies(hashed_before):
    assert check_password(DEFAULT_PASSWORD, hashed_before)
    assert not check_password("not the password", hashed_before)
    assert Argon2idPasswordHasher().must_update(hashed_before)


def test_signing_in_replaces_an_old_hash_with_one_that_still_verifies(client, alice, hashed_before):
    assert sign_in(client, "alice@example.com").status_code == 302

    upgraded = stored_password(alice)
    assert upgraded.startswith(OWASP)
    assert check_password(DEFAULT_PASSWORD, upgraded)
    assert sign_in(Client(), "alice@example.com").status_code == 302
    assert stored_password(alice) == upgraded


def test_a_wrong_password_leaves_an_old_hash_as_it_was(client, alice, hashed_before):
    assert sign_in(client, "alice@example.com", "not the password").status_code == 200

    assert stored_password(alice) == hashed_before
