import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.passwords import password_reset_send
from trellis.mail.models import OutgoingEmail
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
NEW = "a brand new password"


def ask_for_reset(client, email):
    return client.post("/forgot-password/", {"email": email})


def reset_path():
    return path_of(link_in(OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)))


def test_the_answer_is_the_same_whether_or_not_the_email_is_known(client, alice):
    ContactFactory(email="invited.only@example.com")
    answers = [
        ask_for_reset(client, "alice@example.com"),
        ask_for_reset(client, "nobody@example.com"),
        ask_for_reset(client, "invited.only@example.com"),
    ]
    texts = [
        CSRF.sub("", a.content.decode()).replace(email, "X")
        for a, email in zip(
            answers,
            ["alice@example.com", "nobody@example.com", "invited.only@example.com"],
            strict=True,
        )
    ]
    assert {a.status_code for a in answers} == {200}
    assert texts[0] == texts[1] == texts[2]
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 1


def test_the_link_goes_to_the_stored_email_not_the_string_typed(client, alice):
    ask_for_reset(client, "  ALICE@EXAMPLE.COM ")
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert email.to_address == "alice@example.com"
    assert email.contact == alice.contact


def test_forgot_password_requests_are_recorded_for_support(client, alice):
    ask_for_reset(client, "alice@example.com")
    ask_for_reset(client, "old.alice@example.com")
    assert list(
        AccessAttempt.objects.filter(kind="password_reset")
        .order_by("id")
        .values_list("email_tried", "result")
    ) == [("alice@example.com", "reset_sent"), ("old.alice@example.com", "no_account")]


def test_opening_the_link_uses_nothing_up(client, alice):
    ask_for_reset(client, "alice@example.com")
    path = reset_path()
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert AccessToken.objects.get().used_at is None


def test_the_link_sets_a_new_password_once(client, alice):
    ask_for_reset(client, "alice@example.com")
    path = reset_path()

    response = client.post(path, {"new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert sign_in(client, "alice@example.com", NEW).status_code == 302

    again = client.post(
        path, {"new_password": "yet another password", "new_password_again": "yet another password"}
    )
    assert again.status_code == 404
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_the_link_expires_after_an_hour(client, alice):
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        ask_for_reset(client, "alice@example.com")
        path = reset_path()
    with time_machine.travel("2026-11-25 11:00:01Z", tick=False):
        response = client.post(path, {"new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 404
    alice.refresh_from_db()
    assert not alice.check_password(NEW)


def test_the_expiry_is_configurable(client, alice, settings):
    settings.PASSWORD_RESET_LIFETIME_MINUTES = 10
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        ask_for_reset(client, "alice@example.com")
        path = reset_path()
    with time_machine.travel("2026-11-25 10:11Z", tick=False):
        assert client.get(path).status_code == 404


def test_completing_a_reset_signs_the_account_out_everywhere(alice, alice_client):
    other = Client()
    ask_for_reset(other, "alice@example.com")
    other.post(reset_path(), {"new_password": NEW, "new_password_again": NEW})

    response = alice_client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_weak_new_password_is_refused_with_the_portals_message(client, alice):
    ask_for_reset(client, "alice@example.com")
    response = client.post(reset_path(), {"new_password": "123", "new_password_again": "123"})
    assert response.status_code == 200
    assert "Enter a valid password" in response.content.decode()
    assert AccessToken.objects.get().used_at is None


def test_staff_can_send_a_reset_link_but_never_see_the_password(alice, staff):
    token = password_reset_send(contact=alice.contact, sent_by=staff)
    assert token.created_by == staff
    assert token.email.to_address == "alice@example.com"


def test_resets_for_one_email_are_limited_per_hour(client, alice):
    for _ in range(5):
        ask_for_reset(client, "alice@example.com")
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 3
    assert SESSION_KEY not in client.session


def test_the_reset_email_is_in_the_contacts_language(client, alice):
    alice.contact.language = "es"
    alice.contact.save()
    ask_for_reset(client, "alice@example.com")
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert email.subject.startswith("Restablezca su contraseña")
    assert "Hola, Alice:" in email.body_text
    assert 'lang="es"' in email.body_html
