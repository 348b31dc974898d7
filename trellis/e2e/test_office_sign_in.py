import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from trellis.accounts.two_factor import totp_code_now
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory
from trellis.testing.sign_in import authenticator_app

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_to_the_back_office(live_server, page):
    StaffFactory(email="jane@greenway.example", is_superuser=True)

    page.goto(f"{live_server.url}/office/")
    expect(page).to_have_url(re.compile(r"/office/login/"))
    page.get_by_label("Email").fill("Jane@Greenway.example")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # A superuser must use two-factor sign-in: the first time, they set up an app.
    expect(page).to_have_url(re.compile(r"/office/two-factor/set-up/"))
    expect(page.locator(".qr svg")).to_be_visible()
    app = TOTP(key_bytes(page.locator("#totp-key").inner_text()))
    page.get_by_label("Code").fill(f"{app.token():06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name=re.compile("continue to the back office")).click()

    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Contacts", exact=True).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/office/login/$"))
    expect(page.locator(".messages")).to_contain_text("You are signed out.")
    page.goto(f"{live_server.url}/office/")
    expect(page).to_have_url(re.compile(r"/office/login/\?next=/office/$"))


def test_staff_with_an_app_give_its_code_after_the_password(live_server, page):
    jane = StaffFactory(email="jane@greenway.example", is_superuser=True)
    device = authenticator_app(jane)

    page.goto(f"{live_server.url}/office/contacts/")
    page.get_by_label("Email").fill("jane@greenway.example")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/office/two-factor/\?next="))
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".errorlist")).to_contain_text("That code is not correct")
    page.wait_for_timeout(1100)  # a wrong code makes the next wait a second
    page.get_by_label("Code").fill(totp_code_now(device))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/office/contacts/$"))
    expect(page.get_by_role("heading", name="Contacts", exact=True)).to_be_visible()


def test_a_wrong_password_keeps_the_office_closed(live_server, page):
    StaffFactory(email="jane@greenway.example")

    page.goto(f"{live_server.url}/office/login/")
    page.get_by_label("Email").fill("jane@greenway.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator(".message-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/office/login/"))


def key_bytes(shown: str) -> bytes:
    """The key as the set-up page shows it to type into an app, as bytes."""
    key = shown.replace(" ", "")
    return b32decode(key + "=" * (-len(key) % 8))
