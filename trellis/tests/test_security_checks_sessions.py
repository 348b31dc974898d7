"""Security checks 22 and 23 (sessions) where other tests show them only in part.
Checks 24, 26 and 27 are shown in trellis/portal/tests/test_profile.py and
test_sessions.py (docs/security-checks.md)."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

OFFICE_SIGN_IN = reverse("office:sign-in")
OFFICE_SIGN_OUT = reverse("office:sign-out")
OFFICE_HOME = reverse("office:home")


def replayed(cookie_value):
    """A browser that never signed in, sending a copied session cookie."""
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = cookie_value
    return browser


@pytest.fixture
def clerk(db):
    """Sam: staff with no permission that calls for two-factor sign-in."""
    return StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")


def test_check_22_signing_in_to_the_office_gives_a_new_session_id(client, clerk):
    client.get(OFFICE_SIGN_IN)
    client.session.save()
    before = client.session.session_key

    response = client.post(OFFICE_SIGN_IN, {"username": clerk.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_check_23_sessions_live_on_the_server_not_in_a_signed_cookie():
    assert settings.SESSION_ENGINE != "django.contrib.sessions.backends.signed_cookies"
    assert "signed_cookies" not in settings.SESSION_ENGINE


def test_check_23_a_portal_session_cookie_replayed_after_sign_out_is_sent_to_sign_in(client, alice):
    sign_in(client, "alice@example.com")
    copied = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert replayed(copied).get("/profile/").status_code == 200  # the copy works while it lasts

    client.post("/sign-out/")

    response = replayed(copied).get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert not Session.objects.filter(session_key=copied).exists()


def test_check_23_an_office_session_cookie_replayed_after_sign_out_is_sent_to_sign_in(
    client, clerk
):
    client.post(OFFICE_SIGN_IN, {"username": clerk.email, "password": DEFAULT_PASSWORD})
    copied = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert replayed(copied).get(OFFICE_HOME).status_code == 200

    assert client.post(OFFICE_SIGN_OUT).status_code == 302

    response = replayed(copied).get(OFFICE_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(OFFICE_SIGN_IN)
    assert not Session.objects.filter(session_key=copied).exists()
