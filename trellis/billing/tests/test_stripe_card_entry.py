"""The Stripe card field and 3-D Secure prompt, at the HTML level: Stripe.js
cannot run here (no internet), so what is checked is what the page hands it."""

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory

from trellis.billing.gateways.base import CardEntry
from trellis.billing.gateways.stripe import STRIPE_JS
from trellis.content_security import HtmlContentSecurityPolicyMiddleware

ENTRY = CardEntry(
    kind="stripe",
    script_url=STRIPE_JS,
    options={
        "publishable_key": "pk_test_abc",
        "client_secret": "seti_123_secret_456",
        "language": "es",
    },
)


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag, **attrs):
        return [
            a
            for t, a in self.found
            if t == tag and all(k in a and a[k] == v for k, v in attrs.items())
        ]


def rendered(template, **context):
    request = RequestFactory().get("/")
    HtmlContentSecurityPolicyMiddleware(lambda r: HttpResponse()).process_request(request)
    html = render_to_string(template, context, request=request)
    parsed = Elements()
    parsed.feed(html)
    return parsed, str(request.csp_nonce), html


def test_the_field_hands_stripe_js_the_setup_intent_and_posts_only_a_token():
    page, _, _ = rendered("card_entry/field.html", entry=ENTRY, when_method="new")
    (container,) = page.all("div", **{"data-stripe-card-entry": None})
    assert container["data-publishable-key"] == "pk_test_abc"
    assert container["data-client-secret"] == "seti_123_secret_456"
    assert container["data-language"] == "es"
    assert container["data-when-method"] == "new"
    assert page.all("input", type="hidden", name="card_token")
    inputs = [a.get("name") for t, a in page.found if t in ("input", "select", "textarea")]
    assert inputs == ["card_token"]  # the card is typed into Stripe's frames only
    assert page.all("div", role="alert")


def test_both_scripts_carry_the_requests_nonce():
    page, nonce, _ = rendered("card_entry/stripe.html", entry=ENTRY)
    sources = [(a["src"], a.get("nonce")) for a in page.all("script")]
    assert sources == [
        ("https://js.stripe.com/v3/", nonce),
        ("/static/card_entry/stripe.js", nonce),
    ]
    assert finders.find("card_entry/stripe.js")


def test_without_when_method_the_field_always_confirms():
    page, _, _ = rendered("card_entry/stripe.html", entry=ENTRY)
    (container,) = page.all("div", **{"data-stripe-card-entry": None})
    assert "data-when-method" not in container


def test_the_page_says_card_entry_needs_javascript():
    _, _, html = rendered("card_entry/stripe.html", entry=ENTRY)
    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    assert "Entering a card needs JavaScript." in noscript
    assert "everything else works without it" in noscript


def test_a_values_markup_is_escaped():
    entry = CardEntry(
        kind="stripe",
        script_url=STRIPE_JS,
        options={
            "publishable_key": '"><script>x</script>',
            "client_secret": "s",
            "language": "en",
        },
    )
    _, _, html = rendered("card_entry/stripe.html", entry=entry)
    assert "<script>x</script>" not in html


def test_the_bank_prompt_hands_stripe_js_the_client_secret_and_the_way_back():
    action = {"client_secret": "pi_1_secret_2", "publishable_key": "pk_test_abc"}
    page, nonce, html = rendered(
        "card_entry/stripe_action.html", action=action, return_url="/invoices/7/pay/return/"
    )
    (container,) = page.all("div", **{"data-stripe-action": None})
    assert container["data-client-secret"] == "pi_1_secret_2"
    assert container["data-publishable-key"] == "pk_test_abc"
    assert container["data-return-url"] == "/invoices/7/pay/return/"
    assert [a.get("nonce") for a in page.all("script")] == [nonce, nonce]
    assert "needs JavaScript" in html.split("<noscript>")[1]


@pytest.mark.parametrize(
    "call",
    [
        "stripe.elements({\n      clientSecret: container.dataset.clientSecret",
        'confirmSetup({ elements: elements, redirect: "if_required" })',
        "tokenInput.value = result.setupIntent.id",
        "handleNextAction({ clientSecret: container.dataset.clientSecret })",
    ],
)
def test_the_script_uses_stripe_js_as_documented(call):
    with open(finders.find("card_entry/stripe.js")) as script:
        assert call in script.read()
