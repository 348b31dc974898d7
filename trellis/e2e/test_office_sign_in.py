import re

import pytest
from playwright.sync_api import expect

from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_to_the_back_office(live_server, page):
    StaffFactory(email="jane@greenway.example", is_superuser=True)

    page.goto(f"{live_server.url}/office/")
    expect(page).to_have_url(re.compile(r"/office/login/"))
    page.get_by_label("Email").fill("Jane@Greenway.example")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Back office")).to_be_visible()
    expect(page.get_by_role("link", name="Contacts", exact=True).first).to_be_visible()


def test_a_wrong_password_keeps_the_office_closed(live_server, page):
    StaffFactory(email="jane@greenway.example")

    page.goto(f"{live_server.url}/office/login/")
    page.get_by_label("Email").fill("jane@greenway.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/office/login/"))
