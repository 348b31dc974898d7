import re
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.two_factor import (
    totp_code_now,
    totp_device_confirm,
    totp_device_pending,
    two_factor_enabled,
)
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

VERIFY = "/two-factor/"
MANAGE = "/profile/two-factor/"
SET_UP = "/profile/two-factor/set-up/"


def code_now(device):
    device.refresh_from_db()
    return totp_code_now(device)


def app_of(user):
    enabled = totp_device_confirm(user=user, code=code_now(totp_device_pending(user=user)))
    return enabled.device, enabled.recovery_codes


def recovery_codes_in(response):
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.content.decode())


def test_a_customer_without_two_factor_is_not_asked_for_a_code(client, alice):
    response = sign_in(client, "alice@example.com")

    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_a_customer_with_two_factor_on_is_asked_for_the_code_at_sign_in(client, alice):
    app_of(alice)

    response = sign_in(client, "alice@example.com", follow=True)

    assert response.redirect_chain[-1] == (f"{VERIFY}?next=%2F", 302)
    assert "Enter your code" in response.content.decode()
    assert client.get("/invoices/").url == f"{VERIFY}?next=%2Finvoices%2F"
    assert client.get(MANAGE).url.startswith(VERIFY)


def test_the_right_code_lets_the_customer_in(client, alice):
    device, _codes = app_of(alice)
    sign_in(client, "alice@example.com")

    with time_machine.travel(time.time() + 60, tick=False):
        response = client.post(f"{VERIFY}?next=/invoices/", {"code": code_now(device)})

    assert response.url == "/invoices/"
    assert client.get("/invoices/").status_code == 200


def test_a_wrong_code_keeps_the_portal_closed(client, alice):
    app_of(alice)
    sign_in(client, "alice@example.com")

    response = client.post(VERIFY, {"code": "123456"})

    assert response.status_code == 200
    assert "That code is not correct" in response.content.decode()
    assert client.get("/").url.startswith(VERIFY)


def test_a_recovery_code_lets_the_customer_in_and_says_how_many_are_left(client, alice):
    _device, codes = app_of(alice)
    sign_in(client, "alice@example.com")

    response = client.post(VERIFY, {"code": codes[3]}, follow=True)

    assert "Recovery codes left: 9" in response.content.decode()
    assert client.get("/").status_code == 200


def test_signing_out_stays_open_while_the_code_is_asked_for(client, alice):
    app_of(alice)
    sign_in(client, "alice@example.com")

    assert client.post("/sign-out/").url == "/sign-in/"
    assert "_auth_user_id" not in client.session


def test_user_profile_offers_two_factor_sign_in(client, alice):
    client.force_login(alice)

    profile = client.get("/profile/").content.decode()
    manage = client.get(MANAGE).content.decode()

    assert f'href="{MANAGE}"' in profile
    assert "Two-factor sign-in is off" in manage
    assert f'href="{SET_UP}"' in manage


def test_a_customer_turns_it_on_and_is_asked_for_a_code_next_time(client, alice):
    client.force_login(alice)
    page = client.get(SET_UP).content.decode()
    assert "<svg" in page and 'id="totp-key"' in page

    response = client.post(SET_UP, {"code": code_now(TOTPDevice.objects.get(user=alice))})

    assert len(recovery_codes_in(response)) == 10
    assert two_factor_enabled(alice)
    assert client.get("/").status_code == 200  # this session proved the app works
    other = Client()
    sign_in(other, "alice@example.com")
    assert other.get("/").url.startswith(VERIFY)


def test_a_wrong_code_does_not_turn_it_on(client, alice):
    client.force_login(alice)
    client.get(SET_UP)

    response = client.post(SET_UP, {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not correct" in response.content.decode()
    assert not two_factor_enabled(alice)


def test_new_recovery_codes_are_shown_once(client, alice):
    app_of(alice)
    client.force_login(alice)

    codes = recovery_codes_in(client.post(MANAGE, {"action": "recovery_codes"}))

    assert len(codes) == 10
    manage = client.get(MANAGE).content.decode()
    assert "You have 10 recovery codes left." in manage
    assert codes[0] not in manage


def test_turning_it_off_needs_the_current_password(client, alice):
    app_of(alice)
    client.force_login(alice)

    refused = client.post(MANAGE, {"action": "turn_off", "current_password": "not my password"})
    assert refused.status_code == 400
    assert "Your current password is not correct." in refused.content.decode()
    assert two_factor_enabled(alice)

    response = client.post(
        MANAGE, {"action": "turn_off", "current_password": DEFAULT_PASSWORD}, follow=True
    )
    assert "Two-factor sign-in is off." in response.content.decode()
    assert not two_factor_enabled(alice)


def test_the_two_factor_forms_need_the_csrf_token(alice):
    app_of(alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(MANAGE, {"action": "recovery_codes"}).status_code == 403
    assert client.post(MANAGE, {"action": "turn_off"}).status_code == 403


def test_a_preview_shows_no_two_factor_pages_of_the_customer(client, staff, alice):
    client.force_login(staff)
    started = client.post(
        reverse("office:contact-view-as", kwargs={"contact_id": alice.contact.pk})
    )
    assert started.url == "/"

    assert 'href="/profile/two-factor/"' not in client.get("/profile/").content.decode()
    assert client.get(MANAGE).status_code == 403
    assert client.get(SET_UP).status_code == 403
    assert not TOTPDevice.objects.filter(user=alice).exists()


def test_staff_are_sent_to_the_office_for_their_code(client, staff, password_only):
    client.force_login(staff)

    response = client.get(VERIFY)

    assert response.url.startswith("/office/two-factor/")
