"""The bank account field in a real Chromium: typed into the sandbox's iframe,
on another origin than the page's; the page's form receives only bank_token."""

from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.e2e.test_sandbox_card_field import sandbox  # noqa: F401 (a fixture)
from trellis.sandbox_processor.models import BankToken
from trellis.sandbox_processor.tokens import token_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NONCE = "host-page-nonce"
ACCOUNT = "000123456789"


@pytest.fixture
def browse(page, sandbox):  # noqa: F811
    entry = SandboxGateway().bank_entry(customer="cus_maria", language="en")
    field = render_to_string(
        "card_entry/field.html",
        {"entry": entry, "when_method": "new", "request": SimpleNamespace(csp_nonce=NONCE)},
    )
    html = f"""<!doctype html><html lang="en"><head><title>Add</title></head><body>
    <form method="post" action="/host/received/">
      <label><input type="radio" name="method" value="new" checked> Add a bank account</label>
      <input type="hidden" name="card_token" value="untouched">
      {field}
      <button type="submit" name="step" value="add">Add</button>
    </form></body></html>"""
    policy = (
        f"default-src 'self'; script-src 'self' 'nonce-{NONCE}' {sandbox.origin}; "
        f"frame-src 'self' {sandbox.origin}; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    seen = SimpleNamespace(posted=[], requests=[])
    page.context.grant_permissions(["local-network-access"])
    page.on("request", lambda request: seen.requests.append(request))
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
    seen.frame = page.frame_locator("iframe[title='Bank account details']")
    return seen


def type_account(frame, *, routing="110000000", account=ACCOUNT, again=ACCOUNT, kind="Savings"):
    frame.get_by_label("Routing number").fill(routing)
    frame.get_by_label("Account number", exact=True).fill(account)
    frame.get_by_label("Account number again").fill(again)
    if kind:
        frame.get_by_label(kind).check()


def test_the_form_receives_a_bank_token_and_trellis_never_the_numbers(page, browse, sandbox):  # noqa: F811
    expect(browse.frame.get_by_text("Sandbox: test accounts only, no real money.")).to_be_visible()
    type_account(browse.frame)
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Form received")).to_be_visible()
    [posted] = browse.posted
    token = posted["bank_token"][0]
    assert token.startswith("btok_")
    assert posted["card_token"] == ["untouched"]
    assert posted["step"] == ["add"]
    stored = BankToken.objects.get(id_hash=token_hash(token))
    assert (stored.customer, stored.account_type, stored.last4) == ("cus_maria", "savings", "6789")
    elsewhere = [r for r in browse.requests if not r.url.startswith(f"{sandbox.origin}/")]
    assert elsewhere
    for request in elsewhere:
        assert ACCOUNT not in request.url
        assert ACCOUNT not in (request.post_data or "")
        assert "110000000" not in (request.post_data or "")


def test_errors_are_shown_on_their_fields_in_the_frame_and_nothing_is_submitted(page, browse):
    type_account(browse.frame, routing="110000001", again="000123456780", kind="")
    page.get_by_role("button", name="Add").click()
    frame = browse.frame
    expect(frame.get_by_text("This routing number is not valid.", exact=False)).to_be_visible()
    expect(frame.get_by_text("The account numbers do not match.", exact=False)).to_be_visible()
    expect(frame.get_by_text("Choose checking or savings.")).to_be_visible()
    expect(frame.get_by_label("Routing number")).to_have_attribute("aria-invalid", "true")
    assert browse.posted == []

    type_account(frame, kind="Checking")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Form received")).to_be_visible()
    assert browse.posted[0]["bank_token"][0].startswith("btok_")
    assert BankToken.objects.get().account_type == "checking"
