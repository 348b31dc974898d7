import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessAttempt
from trellis.accounts.profile import contact_change_email
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db

FAILED = "The email or password is not correct."
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def test_a_customer_signs_in_with_the_contacts_email_in_any_letter_case(client, alice):
    response = sign_in(client, "ALICE@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_the_sign_in_email_moves_when_staff_change_the_contacts_email(client, alice, staff):
    contact_change_email(contact=alice.contact, new_email="alice.new@example.com", changed_by=staff)

    assert sign_in(client, "alice@example.com").status_code == 200
    assert sign_in(client, "alice.new@example.com").status_code == 302


def test_unknown_email_wrong_password_and_unaccepted_invitation_get_the_same_answer(
    client, alice, staff
):
    invited = ContactFactory(email="invited@example.com")
    contact_invite(contact=invited, invited_by=staff)

    answers = [
        sign_in(client, "nobody@example.com"),
        sign_in(client, "alice@example.com", "wrong password"),
        sign_in(client, "invited@example.com"),
    ]

    assert {a.status_code for a in answers} == {200}
    bodies = [CSRF.sub("", a.content.decode()) for a in answers]
    assert all(FAILED in body for body in bodies)
    assert bodies[0].replace("nobody@example.com", "X") == bodies[2].replace(
        "invited@example.com", "X"
    )


def test_staff_cannot_sign_in_to_the_portal(client, staff):
    response = sign_in(client, staff.email)
    assert FAILED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_deactivated_account_cannot_sign_in(client, alice):
    alice.is_active = False
    alice.save()
    assert FAILED in sign_in(client, "alice@example.com").content.decode()


def test_every_attempt_is_recorded_with_time_email_ip_and_result(client, alice):
    sign_in(client, "Nobody@example.com", REMOTE_ADDR="203.0.113.9")
    sign_in(client, "alice@example.com", "wrong", REMOTE_ADDR="203.0.113.9")
    sign_in(client, "alice@example.com", REMOTE_ADDR="203.0.113.9")

    attempts = list(
        AccessAttempt.objects.order_by("id").values_list(
            "email_tried", "ip_address", "result", "user"
        )
    )
    assert attempts == [
        ("nobody@example.com", "203.0.113.9", "wrong_credentials", None),
        ("alice@example.com", "203.0.113.9", "wrong_credentials", alice.pk),
        ("alice@example.com", "203.0.113.9", "signed_in", alice.pk),
    ]


def test_sign_in_gets_a_new_session_id(client, alice):
    client.get("/sign-in/")
    client.session.save()
    before = client.session.session_key
    sign_in(client, "alice@example.com")
    assert client.session.session_key != before


def test_repeated_failures_for_one_email_are_throttled_then_allowed_again(client, alice, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        for _ in range(3):
            sign_in(client, "alice@example.com", "wrong")
        # Even the right password is refused while throttled...
        response = sign_in(client, "alice@example.com")
        assert "Too many attempts to sign in" in response.content.decode()
        assert SESSION_KEY not in client.session
    # ...but never for good: the window slides on.
    with time_machine.travel("2026-11-25 10:16Z", tick=False):
        assert sign_in(client, "alice@example.com").status_code == 302


def test_unknown_emails_are_throttled_exactly_like_known_ones(client, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 2
    for _ in range(2):
        sign_in(client, "nobody@example.com", "wrong")
    assert "Too many attempts" in sign_in(client, "nobody@example.com").content.decode()


def test_many_failures_from_one_ip_are_throttled_whatever_the_email(client, alice, settings):
    settings.SIGN_IN_FAILURES_PER_IP = 4
    for n in range(4):
        sign_in(client, f"guess{n}@example.com", "wrong", REMOTE_ADDR="198.51.100.7")
    refused = sign_in(client, "alice@example.com", REMOTE_ADDR="198.51.100.7")
    assert "Too many attempts" in refused.content.decode()
    assert sign_in(client, "alice@example.com", REMOTE_ADDR="198.51.100.8").status_code == 302


def test_a_bad_email_gets_the_portals_message(client):
    response = sign_in(client, "not-an-email")
    assert "Enter a valid email" in response.content.decode()


def test_an_empty_password_gets_the_portals_message(client):
    response = client.post("/sign-in/", {"email": "alice@example.com", "password": ""})
    assert "Enter a valid password" in response.content.decode()


def test_the_next_page_is_followed_only_on_this_site(client, alice):
    assert sign_in(client, "alice@example.com", QUERY_STRING="")["Location"] == "/"
    client.post("/sign-out/")
    response = client.post(
        "/sign-in/?next=https://evil.example/",
        {"email": "alice@example.com", "password": "correct horse battery staple"},
    )
    assert response["Location"] == "/"
    client.post("/sign-out/")
    response = client.post(
        "/sign-in/?next=/profile/",
        {"email": "alice@example.com", "password": "correct horse battery staple"},
    )
    assert response["Location"] == "/profile/"


def test_portal_pages_send_strangers_to_sign_in(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/profile/"


def test_signing_out_takes_a_post(alice_client):
    assert alice_client.get("/sign-out/").status_code == 405
    alice_client.post("/sign-out/")
    assert alice_client.get("/").status_code == 302


def test_the_sign_in_form_is_protected_against_csrf(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "alice@example.com")
    assert response.status_code == 403


def test_the_sign_in_page_offers_spanish(client):
    client.post("/i18n/setlang/", {"language": "es", "next": "/sign-in/"})
    page = client.get("/sign-in/").content.decode()
    assert 'lang="es"' in page
    assert "¿Olvidó su contraseña?" in page


def test_signing_in_switches_to_the_language_of_the_profile(client, alice):
    alice.contact.language = "es"
    alice.contact.save()
    response = sign_in(client, "alice@example.com")
    assert response.cookies["django_language"].value == "es"
    assert "Perfil de usuario" in client.get("/").content.decode()
