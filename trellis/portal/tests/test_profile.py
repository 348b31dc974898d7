import re

import pytest
from django.test import Client

from trellis.mail.models import OutgoingEmail
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

NEW = "a brand new password"


def details(client, **fields):
    data = {"first_name": "Alice", "last_name": "Arnold", "language": "en"} | fields
    return client.post("/profile/details/", data, follow=True)


def test_the_profile_shows_the_password_warning_before_anything_is_confirmed(alice_client):
    page = alice_client.get("/profile/").content.decode()
    assert (
        "Changing your password will log you out immediately. "
        "Use the new password to log back in." in page
    )


def test_updating_the_names_says_so_in_the_portals_words(alice_client, alice):
    response = details(alice_client, first_name="Alicia", last_name="O'Neil-Arnold")
    assert "Your profile has been successfully updated." in response.content.decode()
    alice.contact.refresh_from_db()
    assert (alice.contact.first_name, alice.contact.last_name) == ("Alicia", "O'Neil-Arnold")


def test_a_name_with_a_digit_is_refused_and_what_was_typed_is_kept(alice_client, alice):
    response = details(alice_client, first_name="Al1ce", last_name="Arn0ld")
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "First name must have at least 2 characters. "
        "Numbers and special characters are not allowed." in page
    )
    assert (
        "Last name must have at least 1 character. "
        "Numbers and special characters are not allowed." in page
    )
    assert 'value="Al1ce"' in page
    alice.contact.refresh_from_db()
    assert alice.contact.first_name == "Alice"


def test_choosing_spanish_switches_the_portal(alice_client, alice):
    details(alice_client, language="es")
    page = alice_client.get("/profile/").content.decode()
    assert 'lang="es"' in page
    assert "Perfil de usuario" in page
    assert (
        "Al cambiar su contraseña se cerrará su sesión de inmediato. "
        "Use la nueva contraseña para volver a iniciar sesión." in page
    )
    alice.contact.refresh_from_db()
    assert alice.contact.language == "es"


def test_changing_the_email_needs_the_current_password(alice_client, alice):
    response = alice_client.post(
        "/profile/email/",
        {"email-new_email": "alice.new@example.com", "email-current_password": "wrong"},
    )
    assert response.status_code == 400
    assert "Your current password is not correct." in response.content.decode()
    assert 'value="alice.new@example.com"' in response.content.decode()
    alice.contact.refresh_from_db()
    assert alice.contact.email == "alice@example.com"


def test_changing_the_email_moves_the_sign_in_and_tells_the_old_address(alice_client, alice):
    response = alice_client.post(
        "/profile/email/",
        {"email-new_email": "alice.new@example.com", "email-current_password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert "Your profile has been successfully updated." in response.content.decode()
    alice.contact.refresh_from_db()
    assert alice.contact.email == "alice.new@example.com"
    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.EMAIL_CHANGED)
    assert notice.to_address == "alice@example.com"
    assert "alice.new@example.com" in notice.body_text

    other = Client()
    assert sign_in(other, "alice@example.com").status_code == 200
    assert sign_in(other, "alice.new@example.com").status_code == 302


def test_an_invalid_email_gets_the_portals_message(alice_client):
    response = alice_client.post(
        "/profile/email/", {"email-new_email": "alice@", "email-current_password": DEFAULT_PASSWORD}
    )
    assert "Enter a valid email" in response.content.decode()


def test_an_email_another_account_signs_in_with_is_refused(alice_client, alice):
    CustomerAccountFactory(contact=ContactFactory(email="bob@example.com"))
    response = alice_client.post(
        "/profile/email/",
        {"email-new_email": "BOB@example.com", "email-current_password": DEFAULT_PASSWORD},
    )
    assert "Another account already signs in with this email." in response.content.decode()


def test_changing_the_password_needs_the_current_one(alice_client, alice):
    response = alice_client.post(
        "/profile/password/",
        {
            "password-current_password": "wrong",
            "password-new_password": NEW,
            "password-new_password_again": NEW,
        },
    )
    assert "Your current password is not correct." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(DEFAULT_PASSWORD)


def test_changing_the_password_signs_out_every_session_this_one_included(alice_client, alice):
    second_browser = Client()
    sign_in(second_browser, "alice@example.com")
    assert second_browser.get("/profile/").status_code == 200

    response = alice_client.post(
        "/profile/password/",
        {
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": NEW,
            "password-new_password_again": NEW,
        },
    )

    assert response["Location"] == "/sign-in/"
    assert alice_client.get("/profile/").status_code == 302
    assert second_browser.get("/profile/").status_code == 302
    assert sign_in(Client(), "alice@example.com", NEW).status_code == 302


def test_a_weak_new_password_gets_the_portals_message(alice_client):
    response = alice_client.post(
        "/profile/password/",
        {
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": "short",
            "password-new_password_again": "short",
        },
    )
    assert "Enter a valid password" in response.content.decode()


def test_staff_have_no_portal_profile(client, staff):
    client.force_login(staff)
    assert client.get("/profile/").status_code == 302


def test_every_field_on_the_profile_page_has_its_own_id_and_label(alice_client):
    page = alice_client.get("/profile/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for field_id in re.findall(r'<input[^>]+id="(id_[^"]+)"', page):
        assert f'for="{field_id}"' in page
