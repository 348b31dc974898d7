import json
import logging
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client

from trellis.accounts.devices import device_cookie_name
from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessAttempt
from trellis.accounts.profile import contact_change_email
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory, CustomerAccountFactory
from trellis.testing.mail import link_in, path_of

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


# Lock-out safety: device cookies (trellis.accounts.devices).

STRANGER = "198.51.100.66"
OFFICE_WIFI = "203.0.113.20"


def attack(email, times, ip=STRANGER):
    stranger = Client()
    for _ in range(times):
        sign_in(stranger, email, "guess", REMOTE_ADDR=ip)
    return stranger


def known_browser(email="alice@example.com", ip=OFFICE_WIFI):
    """A browser that signed in to the account before, then signed out."""
    browser = Client()
    assert sign_in(browser, email, REMOTE_ADDR=ip).status_code == 302
    browser.post("/sign-out/")
    return browser


def test_signing_in_gives_the_browser_a_long_lived_device_cookie(client, alice, settings):
    settings.SESSION_COOKIE_SECURE = False
    response = sign_in(client, "alice@example.com")
    cookie = response.cookies["trellis_device"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == 180 * 24 * 3600
    assert not cookie["secure"]


def test_behind_https_the_device_cookie_is_secure_and_host_only(client, alice, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = sign_in(client, "alice@example.com")
    cookie = response.cookies["__Host-trellis_device"]
    assert cookie["secure"] is True
    assert "trellis_device" not in response.cookies


def test_a_known_browser_signs_in_with_the_right_password_while_its_account_is_attacked(
    alice, settings
):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 5
    browser = known_browser()
    stranger = attack("alice@example.com", 5)

    assert "Too many attempts" in sign_in(stranger, "alice@example.com").content.decode()
    assert "Too many attempts" in sign_in(Client(), "alice@example.com").content.decode()
    assert sign_in(browser, "alice@example.com", REMOTE_ADDR=OFFICE_WIFI).status_code == 302
    browser.post("/sign-out/")
    assert sign_in(browser, "alice@example.com", REMOTE_ADDR="192.0.2.44").status_code == 302


def test_a_known_browser_signs_in_from_the_very_address_the_attack_comes_from(alice, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 5
    settings.SIGN_IN_FAILURES_PER_IP = 8
    browser = known_browser(ip=OFFICE_WIFI)
    for n in range(8):
        sign_in(Client(), f"guess{n}@example.com", "guess", REMOTE_ADDR=OFFICE_WIFI)
    attack("alice@example.com", 5, ip=OFFICE_WIFI)

    coworker = sign_in(Client(), "alice@example.com", REMOTE_ADDR=OFFICE_WIFI)
    assert "Too many attempts" in coworker.content.decode()
    response = sign_in(browser, "alice@example.com", REMOTE_ADDR=OFFICE_WIFI)
    assert response.status_code == 302
    assert browser.session[SESSION_KEY] == str(alice.pk)


def test_a_known_browser_s_wrong_passwords_count_only_against_that_browser(alice, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    settings.SIGN_IN_FAILURES_PER_DEVICE = 4
    browser = known_browser()
    for _ in range(3):
        sign_in(browser, "alice@example.com", "typo")

    # Strangers are not refused for the owner's typos...
    assert sign_in(Client(), "alice@example.com").status_code == 302
    # ...and the owner still has a try of their own.
    assert sign_in(browser, "alice@example.com").status_code == 302


def test_a_browser_that_fails_too_often_stops_being_trusted_until_the_window_slides(
    alice, settings
):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    settings.SIGN_IN_FAILURES_PER_DEVICE = 4
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        browser = known_browser()
    with time_machine.travel("2026-11-25 10:01Z", tick=False):
        for _ in range(4):
            sign_in(browser, "alice@example.com", "guess")
        attack("alice@example.com", 3)
        refused = sign_in(browser, "alice@example.com")
        assert "Too many attempts" in refused.content.decode()
        assert SESSION_KEY not in browser.session
    with time_machine.travel("2026-11-25 10:17Z", tick=False):
        assert sign_in(browser, "alice@example.com").status_code == 302


def test_a_device_cookie_for_another_account_is_no_help(alice, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    CustomerAccountFactory(contact=ContactFactory(email="mallory@example.com"))
    mallory = known_browser("mallory@example.com")
    attack("alice@example.com", 3)
    assert "Too many attempts" in sign_in(mallory, "alice@example.com").content.decode()


def test_a_forged_device_cookie_is_no_help(alice, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    browser = known_browser()
    name = device_cookie_name()
    value = browser.cookies[name].value
    browser.cookies[name] = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    attack("alice@example.com", 3)
    assert "Too many attempts" in sign_in(browser, "alice@example.com").content.decode()


def test_a_device_cookie_remembers_each_account_signed_in_with_that_browser(alice, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    CustomerAccountFactory(contact=ContactFactory(email="alex@example.com"))
    browser = known_browser("alice@example.com")
    sign_in(browser, "alex@example.com")
    browser.post("/sign-out/")
    attack("alice@example.com", 3)
    attack("alex@example.com", 3)
    assert sign_in(browser, "alice@example.com").status_code == 302
    browser.post("/sign-out/")
    assert sign_in(browser, "alex@example.com").status_code == 302


# One bucket per account, however the email is spelled.


def test_look_alike_spellings_of_an_email_share_one_bucket(client, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 5
    CustomerAccountFactory(contact=ContactFactory(email="kevin.walsh@example.com"))
    # Spellings the email field lets through (it refuses a Cyrillic or
    # fullwidth letter before the @, but not after it).
    for spelling in [
        "kev\N{LATIN SMALL LETTER DOTLESS I}n.walsh@example.com",
        "KEVIN.walsh@example.com",
        "\N{KELVIN SIGN}evin.walsh@example.com",
        "kevin.walsh@\N{CYRILLIC SMALL LETTER IE}xample.com",
        "kevin.walsh@exam\N{FULLWIDTH LATIN SMALL LETTER P}le.com",
    ]:
        sign_in(Client(), spelling, "guess")

    response = sign_in(client, "kevin.walsh@example.com")
    assert "Too many attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert set(AccessAttempt.objects.values_list("account_key", flat=True)) == {
        "kevin.walsh@example.com"
    }


# What is recorded, and what is logged.


def test_portal_attempts_are_recorded_as_the_portal_s(client, alice):
    sign_in(client, "alice@example.com", "wrong")
    sign_in(client, "alice@example.com")
    assert set(AccessAttempt.objects.values_list("side", flat=True)) == {"portal"}


def security_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "trellis.security"]


def test_sign_in_outcomes_and_sign_out_are_security_events(client, alice, settings, caplog):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 1
    stranger = Client()
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        sign_in(client, "alice@example.com", REMOTE_ADDR="203.0.113.9")
        client.post("/sign-out/", REMOTE_ADDR="203.0.113.9")
        sign_in(stranger, "alice@example.com", "wrong", REMOTE_ADDR="198.51.100.3")
        sign_in(stranger, "alice@example.com", REMOTE_ADDR="198.51.100.3")
    lines = security_lines(caplog)
    assert [(e["event"], e["side"], e["user_id"], e["ip"]) for e in lines] == [
        ("sign_in.succeeded", "portal", alice.pk, "203.0.113.9"),
        ("sign_out", "portal", alice.pk, "203.0.113.9"),
        ("sign_in.failed", "portal", alice.pk, "198.51.100.3"),
        ("sign_in.throttled", "portal", alice.pk, "198.51.100.3"),
    ]
    assert DEFAULT_PASSWORD not in caplog.text
    assert "wrong" not in " ".join(r.getMessage() for r in caplog.records)


def test_accepting_an_invitation_is_a_security_event_and_trusts_the_browser(
    client, staff, settings, caplog
):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    invitation = contact_invite(contact=maria, invited_by=staff)
    password = "a long new password"
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        response = client.post(
            path_of(link_in(invitation.email)),
            {
                "first_name": "Maria",
                "last_name": "Lopez",
                "new_password": password,
                "new_password_again": password,
            },
        )
    assert response.status_code == 302
    assert [e["event"] for e in security_lines(caplog)] == ["invitation.accepted"]
    client.post("/sign-out/")
    attack("maria@example.com", 3)
    assert sign_in(client, "maria@example.com", password).status_code == 302


def test_the_language_cookie_follows_the_cookie_settings(client, alice, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_HTTPONLY = True
    settings.LANGUAGE_COOKIE_SAMESITE = "Strict"
    cookie = sign_in(client, "alice@example.com").cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
