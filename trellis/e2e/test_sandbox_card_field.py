"""The card field in a real Chromium: typed into the sandbox's iframe, on
another origin than the page's; the page's form receives only a token.

The page is a stand-in for Trellis's card-entry pages, served (through
Playwright's routing) at the live server's origin with the same markup
(card_entry/sandbox.html) and a policy as strict as Trellis's; the sandbox is
the live server reached as 127.0.0.1, a different origin.
"""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from trellis.sandbox_processor import addresses
from trellis.sandbox_processor.field_setup import field_setup_sign
from trellis.sandbox_processor.models import Token
from trellis.sandbox_processor.tokens import token_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NONCE = "host-page-nonce"
NUMBER = "4242 4242 4242 4242"
CVV = "739"


@pytest.fixture
def sandbox(live_server, settings):
    """Trellis at http://localhost:<port>, the sandbox at http://127.0.0.1:<port>."""
    assert live_server.url.startswith("http://localhost:")
    port = live_server.url.rsplit(":", 1)[1]
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SANDBOX_PROCESSOR_URL = f"http://127.0.0.1:{port}/sandbox-processor"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "localhost"]
    return SimpleNamespace(trellis=live_server.url, origin=addresses.sandbox_origin())


def host_page(sandbox, *, when_method=""):
    """A Trellis-like page: a form offering a saved card or a new one."""
    field_url = (
        addresses.sandbox_url(addresses.CARD_FIELD)
        + "?"
        + urlencode({"lang": "en", "setup": field_setup_sign(customer="cus_maria")})
    )
    entry = SimpleNamespace(
        script_url=addresses.sandbox_url(addresses.CARD_ENTRY_SCRIPT),
        options={"field_url": field_url, "origin": sandbox.origin, "language": "en"},
    )
    field = render_to_string(
        "card_entry/sandbox.html",
        {"entry": entry, "when_method": when_method, "request": SimpleNamespace(csp_nonce=NONCE)},
    )
    html = f"""<!doctype html><html lang="en"><head><title>Pay</title></head><body>
    <form method="post" action="/host/received/">
      <label><input type="radio" name="method" value="saved"> Visa 1111</label>
      <label><input type="radio" name="method" value="new" checked> Add a card</label>
      {field}
      <button type="submit" name="step" value="pay">Pay</button>
    </form></body></html>"""
    policy = (
        f"default-src 'self'; script-src 'self' 'nonce-{NONCE}' {sandbox.origin}; "
        f"frame-src 'self' {sandbox.origin}; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    return html, policy


@pytest.fixture
def browse(page, sandbox):
    """Open the host page; returns what its form posted and every request seen."""
    seen = SimpleNamespace(posted=[], requests=[])
    # The stand-in page comes from Playwright, not from an address, so
    # Chromium counts it as public and asks before it may reach the loopback
    # sandbox; Trellis's real pages are on the loopback themselves.
    page.context.grant_permissions(["local-network-access"])
    page.on("request", lambda request: seen.requests.append(request))

    def open_page(**options):
        html, policy = host_page(sandbox, **options)
        page.route(
            f"{sandbox.trellis}/host/",
            lambda route: route.fulfill(
                body=html, content_type="text/html", headers={"Content-Security-Policy": policy}
            ),
        )

        def received(route):
            seen.posted.append(parse_qs(route.request.post_data or ""))
            route.fulfill(body="<p>Form received</p>", content_type="text/html")

        page.route(f"{sandbox.trellis}/host/received/", received)
        page.goto(f"{sandbox.trellis}/host/")
        return page.frame_locator("iframe[title='Card details']")

    seen.open = open_page
    return seen


def type_card(frame, number, *, month="12", year="2099", cvv=CVV):
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiration month").fill(month)
    frame.get_by_label("Expiration year").fill(year)
    frame.get_by_label("Security code (CVV)").fill(cvv)


def test_the_form_receives_a_token_and_trellis_never_the_card(page, browse, sandbox):
    frame = browse.open(when_method="new")
    type_card(frame, NUMBER)
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Form received")).to_be_visible()

    [posted] = browse.posted
    token = posted["card_token"][0]
    assert token.startswith("tok_")
    assert posted["step"] == ["pay"]  # the button pressed travels too
    assert Token.objects.get(id_hash=token_hash(token)).customer == "cus_maria"

    digits = NUMBER.replace(" ", "")
    to_sandbox = [
        r for r in browse.requests if r.url.startswith(f"{sandbox.origin}/sandbox-processor/")
    ]
    elsewhere = [r for r in browse.requests if r not in to_sandbox]
    assert any(NUMBER in (r.post_data or "") for r in to_sandbox)  # the recorder sees the frame
    assert elsewhere
    for request in elsewhere:
        for secret in (digits, NUMBER, "4242-4242", CVV):
            assert secret not in request.url
            assert secret not in (request.post_data or "")


def test_a_saved_method_is_submitted_without_asking_the_frame(page, browse):
    browse.open(when_method="new")
    page.get_by_label("Visa 1111").check()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Form received")).to_be_visible()
    [posted] = browse.posted
    assert "card_token" not in posted  # sent empty
    assert posted["method"] == ["saved"]
    assert not Token.objects.exists()


def test_an_error_is_shown_inside_the_frame_and_nothing_is_submitted(page, browse):
    frame = browse.open()
    type_card(frame, "4242 4242 4242 4241", cvv="12")
    page.get_by_role("button", name="Pay").click()
    expect(
        frame.get_by_text("Your card number is not valid. Check it and try again.")
    ).to_be_visible()
    expect(frame.get_by_role("alert").filter(has_text="3 digits on the back")).to_be_visible()
    expect(frame.get_by_label("Card number")).to_have_attribute("aria-invalid", "true")
    expect(frame.get_by_label("Expiration month")).not_to_have_attribute("aria-invalid", "true")
    assert browse.posted == []

    # Corrected, the same form goes through.
    frame.get_by_label("Card number").fill("5555 5555 5555 4444")
    frame.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("Form received")).to_be_visible()
    assert browse.posted[0]["card_token"][0].startswith("tok_")


def test_the_frame_grows_to_show_its_errors(page, browse):
    frame = browse.open()
    iframe = page.locator("iframe[title='Card details']")
    expect(frame.get_by_label("Card number")).to_be_visible()
    page.wait_for_function("document.querySelector('iframe').style.height.endsWith('px')")
    before = iframe.bounding_box()["height"]
    page.get_by_role("button", name="Pay").click()
    expect(frame.get_by_text("Enter your card number.")).to_be_visible()
    page.wait_for_function(f"document.querySelector('iframe').offsetHeight > {before}")


def test_a_message_from_anywhere_but_the_frame_is_ignored(page, browse):
    frame = browse.open()
    held = []
    page.route("**/sandbox-processor/v1/tokens*", lambda route: held.append(route))  # answers late
    type_card(frame, NUMBER)
    page.get_by_role("button", name="Pay").click()
    while not held:
        page.wait_for_timeout(50)
    page.evaluate("window.postMessage({type: 'token', token: 'tok_forged'}, '*')")
    page.wait_for_timeout(300)
    assert browse.posted == []

    held[0].continue_()
    expect(page.get_by_text("Form received")).to_be_visible()
    token = browse.posted[0]["card_token"][0]
    assert token != "tok_forged"
    assert token.startswith("tok_")
