"""Security checks 9-14 (authentication) that no other test shows whole.

Passwords are set in three places: accepting an invitation (set), a reset link
(reset) and the profile (change). Each check about passwords is tried in all three.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

import trellis.settings as production
from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import User
from trellis.accounts.passwords import password_reset_send
from trellis.imports.services import import_document, parse_document
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

INVALID = "Enter a valid password"
SEVEN = "xK9#mQ2"
# Entries of Django's common-password list, all long enough to pass the length rule.
COMMON = ["password123", "iloveyou1", "football1"]


def passphrase(length):
    words = "Ünïcödé pässphrâse 密码 🌱 ДЛИННЫЙ ağaç "
    text = (words * (length // len(words) + 1))[:length]
    assert len(text) == length
    return text


def set_at_invitation(client, staff, password):
    contact = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    invitation = contact_invite(contact=contact, invited_by=staff)
    response = client.post(
        path_of(link_in(invitation.email)),
        {
            "first_name": "Maria",
            "last_name": "Lopez",
            "new_password": password,
            "new_password_again": password,
        },
    )
    return response, "maria@example.com"


def set_at_reset(client, alice, password):
    token = password_reset_send(contact=alice.contact)
    response = client.post(
        path_of(link_in(token.email)), {"new_password": password, "new_password_again": password}
    )
    return response, "alice@example.com"


def set_at_change(client, alice, password):
    assert sign_in(client, "alice@example.com").status_code == 302
    response = client.post(
        "/profile/password/",
        {
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": password,
            "password-new_password_again": password,
        },
    )
    return response, "alice@example.com"


FLOWS = {"set": set_at_invitation, "reset": set_at_reset, "change": set_at_change}


@pytest.fixture(params=FLOWS)
def set_password(request, client, staff, alice):
    flow = FLOWS[request.param]
    who = staff if request.param == "set" else alice
    return lambda password: flow(client, who, password)


def test_check_9_a_seven_character_password_is_refused_at_set_reset_and_change(set_password):
    response, email = set_password(SEVEN)
    assert response.status_code in (200, 400)
    assert INVALID in response.content.decode()
    assert sign_in(Client(), email, SEVEN).status_code == 200  # not signed in


@pytest.mark.parametrize("length", [64, 128])
def test_check_9_long_unicode_passphrases_are_accepted_at_set_reset_and_change_and_sign_in(
    set_password, length
):
    password = passphrase(length)
    response, email = set_password(password)
    assert response.status_code == 302, response.content.decode()
    assert sign_in(Client(), email, password).status_code == 302
    # Only the exact passphrase: not its first 72 bytes, as bcrypt would take.
    assert sign_in(Client(), email, password[:-1] + "x").status_code == 200


@pytest.mark.parametrize("common", COMMON)
def test_check_10_a_common_password_is_refused_at_set_reset_and_change(set_password, common):
    response, email = set_password(common)
    assert INVALID in response.content.decode()
    assert "too common" in response.content.decode()
    assert sign_in(Client(), email, common).status_code == 200


def test_check_11_a_new_users_hash_is_argon2id_under_production_settings(settings, staff):
    # The suite hashes with MD5 for speed (conftest.py); production's list is the module's.
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert production.PASSWORD_HASHERS[0] == "trellis.accounts.hashers.Argon2idPasswordHasher"

    response, _email = set_at_invitation(Client(), staff, "a long new password")

    assert response.status_code == 302
    account = User.objects.get(contact__email="maria@example.com")
    assert account.password.startswith("argon2$argon2id$")
    created = User.objects.create_user(email="new.staff@greenway.example", password="x" * 12)
    assert created.password.startswith("argon2$argon2id$")


def test_check_13_a_wrong_current_password_changes_nothing_not_even_the_stored_hash(client, alice):
    sign_in(client, "alice@example.com")
    before = User.objects.get(pk=alice.pk).password

    response = client.post(
        "/profile/password/",
        {
            "password-current_password": "not the password",
            "password-new_password": "a brand new password",
            "password-new_password_again": "a brand new password",
        },
    )

    assert response.status_code == 400
    assert "Your current password is not correct." in response.content.decode()
    assert User.objects.get(pk=alice.pk).password == before
    assert client.get("/profile/").status_code == 200  # still signed in


def test_check_14_migrations_create_no_account_at_all(db):
    assert not User.objects.exists()


def fixture_files():
    # Django's fixtures (loaddata), and the demo data the import command loads.
    root = Path(django_settings.BASE_DIR)
    found = [*(root / "trellis").glob("**/fixtures/*"), *(root / "demo").glob("*")]
    return [path for path in found if path.suffix in {".json", ".yaml", ".yml", ".xml"}]


def test_check_14_no_fixture_in_the_repository_makes_a_superuser_or_gives_a_permission():
    files = fixture_files()
    assert files, "the demo data at least is scanned"
    for path in files:
        text = path.read_text()
        for field in ("is_superuser", "user_permissions", "groups", "password"):
            assert f'"{field}"' not in text and f"{field}:" not in text, (path, field)


def test_check_14_importing_the_demo_makes_staff_without_a_password_or_a_permission(db):
    demo = Path(django_settings.BASE_DIR) / "demo" / "demo.json"
    import_document(data=parse_document(demo.read_bytes()))

    staff = list(User.objects.filter(is_staff=True))
    assert staff
    assert not User.objects.filter(is_superuser=True).exists()
    assert not any(user.has_usable_password() for user in staff)
    assert not any(user.get_all_permissions() for user in staff)
    assert not User.objects.filter(email__iregex=r"^(admin|root)@").exists()
