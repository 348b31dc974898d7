"""Steps many end-to-end tests begin with: a fresh browser context, signed in."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, FrameLocator, Page

from trellis.accounts.models import User
from trellis.accounts.two_factor import totp_code_now
from trellis.testing.factories import DEFAULT_PASSWORD
from trellis.testing.sign_in import authenticator_app

TIMEOUT_MS = 15_000


def _new_page(browser: Browser, **options: Any) -> Page:
    page = browser.new_context(locale="en-US", **options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def portal_signed_in(
    browser: Browser, base_url: str, email: str, password: str = DEFAULT_PASSWORD, **options: Any
) -> Page:
    """A page of the portal, the customer with this email signed in."""
    page = _new_page(browser, **options)
    page.goto(f"{base_url}/sign-in/")
    page.locator("#id_email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def office_signed_in(
    browser: Browser, base_url: str, email: str, password: str = DEFAULT_PASSWORD
) -> Page:
    """A page of the back office, the staff member with this email signed in:
    with the password, then, for staff who must use two-factor sign-in, a code
    from their authenticator app (one is set up for them if they have none)."""
    device = authenticator_app(User.objects.get(email__iexact=email))
    page = _new_page(browser)
    page.goto(f"{base_url}/office/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        two_factor_code_enter(page, device)
    return page


def two_factor_code_enter(page: Page, device: Any) -> None:
    """On the code page after the password, type what the authenticator app shows."""
    page.wait_for_url(re.compile(r"/two-factor/"))
    device.refresh_from_db()  # a code works once: the next one if this one was used
    page.get_by_label("Code").fill(totp_code_now(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/two-factor/" not in url)


def demo_start() -> str:
    """What `make demo` does to the database at every start, migrations aside:
    import the demo file, then give the demo's people their published passwords.
    Returns what the import printed."""
    printed = io.StringIO()
    call_command("import", str(settings.BASE_DIR / "demo" / "demo.json"), stdout=printed)
    with override_settings(DEBUG=True):  # demo_accounts sets published passwords: DEBUG only
        call_command("demo_accounts", stdout=io.StringIO())
    return printed.getvalue()


def link_delivered_to(address: str, path: str) -> str:
    """The first link to `path` (such as "/invitation/") in the last email
    delivered to `address`: the customer's inbox. The office shows such links
    masked, so this is the only place a working one is."""
    from django.core import mail

    for message in reversed(mail.outbox):
        if address in message.to:
            match = re.search(rf"https?://\S+{re.escape(path)}\S+", str(message.body))
            if match:
                return match[0]
    raise AssertionError(f"no email with a {path} link was delivered to {address}")


def sandbox_processor_at(settings: Any, base_url: str) -> None:
    """Serve the sandbox processor from the live server, as its own site would
    be: its card field and script at base_url/sandbox-processor/, and Trellis
    at base_url (the one origin the card field may be framed by)."""
    settings.PUBLIC_BASE_URL = base_url
    settings.SANDBOX_PROCESSOR_URL = f"{base_url}/sandbox-processor"


def card_field(page: Page) -> FrameLocator:
    """The sandbox processor's card field: an iframe of its own on Trellis's page."""
    return page.frame_locator("[data-sandbox-card-entry] iframe")


def fill_card(
    page: Page,
    number: str,
    cvv: str = "123",
    *,
    exp_month: str = "12",
    exp_year: str | None = None,
    holder_name: str = "Maria Lopez",
) -> None:
    """Type a sandbox card (trellis/sandbox_processor/behaviours.py) as a customer
    does: the number, expiry and CVV into the processor's card field, the name
    on the card into Trellis's form. Call sandbox_processor_at first."""
    field = card_field(page)
    field.get_by_label("Card number").fill(number)
    field.get_by_label("Expiration month").fill(exp_month)
    field.get_by_label("Expiration year").fill(exp_year or str(date.today().year + 3))
    field.get_by_label("Security code (CVV)").fill(cvv)
    page.get_by_label("Name on card").fill(holder_name)
