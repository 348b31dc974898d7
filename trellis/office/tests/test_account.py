"""A staff member's own account in the office: signing out, and changing their
password (trellis/office/views/account.py)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

HOME = reverse("office:home")
SIGN_IN = reverse("office:sign-in")
SIGN_OUT = reverse("office:sign-out")
PASSWORD = reverse("office:password-change")
NEW = "rhododendrons in the rain 7"
WRONG = "not my password at all"


@pytest.fixture
def sam(db):
    """Sam: staff with no permission that calls for two-factor sign-in."""
    return StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")


def signed_in(user, password=DEFAULT_PASSWORD):
    browser = Client()
    response = browser.post(SIGN_IN, {"username": user.email, "password": password})
    assert response.status_code == 302, response.content
    return browser


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def change(browser, current, new=NEW, again=None):
    data = {
        "current_password": current,
        "new_password": new,
        "new_password_again": NEW if again is None else again,
    }
    return browser.post(PASSWORD, data)


# Signing out --------------------------------------------------------------------


def test_signing_out_ends_the_session_and_lands_on_the_sign_in_page(sam):
    browser = signed_in(sam)

    response = browser.post(SIGN_OUT, follow=True)

    assert response.redirect_chain == [(SIGN_IN, 302)]
    assert shown_messages(response) == ["You are signed out."]
    assert SESSION_KEY not in browser.session
    assert browser.get(HOME).url.startswith(SIGN_IN)


def test_signing_out_is_a_post_only(sam):
    # A link (or a page's image) pointing at it must not sign anyone out.
    browser = signed_in(sam)

    assert browser.get(SIGN_OUT).status_code == 405
    assert browser.get(HOME).status_code == 200


def test_signing_out_needs_the_csrf_token(sam):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sam)

    assert browser.post(SIGN_OUT).status_code == 403
    assert browser.get(HOME).status_code == 200


def test_every_office_page_offers_signing_out_and_changing_the_password(sam):
    page = signed_in(sam).get(HOME).content.decode()

    assert f'<form method="post" action="{SIGN_OUT}">' in page
    assert f'href="{PASSWORD}"' in page


# Changing the password -------------------------------------------------------------


def test_the_page_asks_for_the_current_password_and_the_new_one_twice(sam):
    response = signed_in(sam).get(PASSWORD)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="current_password" autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2
    assert "this one too" in page  # said before anything is changed


def test_a_wrong_current_password_is_refused_in_words_and_not_shown_again(sam):
    browser = signed_in(sam)

    response = change(browser, WRONG)

    assert response.status_code == 400
    assert "Your current password is not correct." in response.content.decode()
    assert WRONG not in response.content.decode()
    assert NEW not in response.content.decode()
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)
    assert browser.get(HOME).status_code == 200  # still signed in
    assert not AuditEntry.objects.filter(action="account.password_changed").exists()


def test_new_passwords_that_differ_are_refused(sam):
    browser = signed_in(sam)

    response = change(browser, DEFAULT_PASSWORD, again="rhododendrons in the rain 8")

    assert response.status_code == 400
    assert "The two new passwords are not the same." in response.content.decode()
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_a_new_password_the_validators_refuse_is_refused_with_their_reason(sam):
    browser = signed_in(sam)

    response = change(browser, DEFAULT_PASSWORD, new="12345678", again="12345678")

    assert response.status_code == 400
    assert "This password is entirely numeric." in response.content.decode()
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_changing_the_password_ends_every_session_and_asks_to_sign_in_again(sam):
    browser, elsewhere = signed_in(sam), signed_in(sam)

    response = change(browser, DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response.url == SIGN_IN
    assert shown_messages(browser.get(SIGN_IN)) == [
        "Your password is changed. Sign in with the new one."
    ]
    assert SESSION_KEY not in browser.session
    assert browser.get(HOME).url.startswith(SIGN_IN)
    assert elsewhere.get(HOME).url.startswith(SIGN_IN)
    old = Client().post(SIGN_IN, {"username": sam.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 200  # refused: the sign-in page again
    assert signed_in(sam, NEW).get(HOME).status_code == 200


def test_the_change_is_in_the_audit_log(sam):
    change(signed_in(sam), DEFAULT_PASSWORD)

    entry = AuditEntry.objects.get(action="account.password_changed")
    assert entry.actor == sam
    assert NEW not in str(entry.__dict__)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(PASSWORD)

    assert response.status_code == 302
    assert response.url.startswith(SIGN_IN)
