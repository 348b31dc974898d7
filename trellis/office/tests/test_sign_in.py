import json
import logging

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from trellis.accounts.models import AccessAttempt
from trellis.testing.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/office/login/"
SIGN_OUT = reverse("office:sign-out")
HOME = reverse("office:home")
FAILED = "The email or password is not correct, or this is not a staff account."
THROTTLED = "Too many attempts to sign in."


def office_sign_in(client, email, password=DEFAULT_PASSWORD, next_page=None, **extra):
    data = {"username": email, "password": password}
    if next_page is not None:
        data["next"] = next_page
    return client.post(LOGIN, data, **extra)


def test_the_office_login_is_this_page(client):
    assert reverse("office:sign-in") == LOGIN
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response.templates[0].name == "office/sign_in.html"
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_staff_sign_in_in_any_letter_case_and_land_on_the_office(client, staff):
    response = office_sign_in(client, "JANE@Greenway.example")
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_signed_in_staff_opening_the_login_go_to_the_office(office):
    assert office.get(LOGIN)["Location"] == HOME


def test_a_wrong_password_and_a_customer_get_the_same_answer(client, staff, alice):
    wrong = office_sign_in(client, staff.email, "not the password")
    customer = office_sign_in(client, alice.login_email)
    for response in (wrong, customer):
        assert response.status_code == 200
        assert FAILED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_brute_force_is_refused_after_the_limit_even_with_the_right_password(
    client, staff, settings
):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 5
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        for n in range(5):
            office_sign_in(client, staff.email, f"guess {n}", REMOTE_ADDR="198.51.100.40")
        refused = office_sign_in(client, staff.email, REMOTE_ADDR="198.51.100.40")
        assert THROTTLED in refused.content.decode()
        assert SESSION_KEY not in client.session
        elsewhere = office_sign_in(Client(), staff.email, REMOTE_ADDR="192.0.2.41")
        assert THROTTLED in elsewhere.content.decode()

    attempts = list(
        AccessAttempt.objects.order_by("id").values_list("side", "result", "ip_address", "user")
    )
    assert attempts == [
        *[("office", "wrong_credentials", "198.51.100.40", staff.pk)] * 5,
        ("office", "throttled", "198.51.100.40", staff.pk),
        ("office", "throttled", "192.0.2.41", staff.pk),
    ]
    # Never for good: the window slides on.
    with time_machine.travel("2026-11-25 10:16Z", tick=False):
        assert office_sign_in(client, staff.email).status_code == 302


def test_the_raw_data_admin_has_no_unguarded_sign_in_of_its_own(client, staff, settings):
    # Its login page is this one (or leads here): a brute force meets the same limit.
    settings.SIGN_IN_FAILURES_PER_EMAIL = 3
    admin_login = reverse("admin:login")
    for n in range(3):
        client.post(admin_login, {"username": staff.email, "password": f"guess {n}"})

    client.post(admin_login, {"username": staff.email, "password": DEFAULT_PASSWORD})

    assert SESSION_KEY not in client.session


def test_one_address_guessing_many_staff_emails_is_refused(client, staff, settings):
    settings.SIGN_IN_FAILURES_PER_IP = 6
    for n in range(6):
        office_sign_in(client, f"staff{n}@greenway.example", "guess", REMOTE_ADDR="198.51.100.50")
    refused = office_sign_in(client, staff.email, REMOTE_ADDR="198.51.100.50")
    assert THROTTLED in refused.content.decode()
    assert office_sign_in(Client(), staff.email, REMOTE_ADDR="198.51.100.51").status_code == 302


def test_failures_at_the_portal_and_the_office_share_one_bucket(client, staff, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 4
    for _ in range(2):
        client.post("/sign-in/", {"email": staff.email, "password": "guess"})
        office_sign_in(client, staff.email, "guess")
    assert THROTTLED in office_sign_in(client, staff.email).content.decode()


def test_a_known_browser_signs_in_during_an_attack_on_the_staff_account(staff, settings):
    settings.SIGN_IN_FAILURES_PER_EMAIL = 5
    browser = Client()
    assert office_sign_in(browser, staff.email).status_code == 302
    browser.post(SIGN_OUT)
    for n in range(10):
        office_sign_in(Client(), staff.email, f"guess {n}", REMOTE_ADDR="198.51.100.60")
    assert office_sign_in(browser, staff.email, REMOTE_ADDR="198.51.100.60").status_code == 302
    assert browser.session[SESSION_KEY] == str(staff.pk)


@pytest.mark.parametrize(
    ("next_page", "landing"),
    [
        ("/office/contacts/?name=Lopez", "/office/contacts/?name=Lopez"),
        ("https://evil.example/office/", "/office/"),
        ("//evil.example/", "/office/"),
    ],
)
def test_the_next_page_is_followed_only_on_this_site(client, staff, next_page, landing):
    response = office_sign_in(client, staff.email, next_page=next_page)
    assert response["Location"] == landing


def test_the_next_page_from_the_address_is_kept_in_the_form(client):
    page = client.get(LOGIN, {"next": "/office/invoices/"}).content.decode()
    assert 'name="next" value="/office/invoices/"' in page


def test_the_office_login_is_protected_against_csrf(staff):
    client = Client(enforce_csrf_checks=True)
    assert office_sign_in(client, staff.email).status_code == 403


def test_office_sign_ins_and_logouts_are_security_events(client, staff, caplog):
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        office_sign_in(client, staff.email, "guess", REMOTE_ADDR="203.0.113.7")
        office_sign_in(client, staff.email, REMOTE_ADDR="203.0.113.7")
        client.post(SIGN_OUT, REMOTE_ADDR="203.0.113.7")
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "trellis.security"]
    assert [(e["event"], e["side"], e["user_id"], e["ip"]) for e in events] == [
        ("sign_in.failed", "office", staff.pk, "203.0.113.7"),
        ("sign_in.succeeded", "office", staff.pk, "203.0.113.7"),
        ("sign_out", "office", staff.pk, "203.0.113.7"),
    ]
