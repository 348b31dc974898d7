"""The card field page, its scripts and the tokenisation API."""

import importlib
import json

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from trellis.sandbox_processor import models
from trellis.sandbox_processor.field_setup import field_setup_sign

pytestmark = pytest.mark.django_db

SANDBOX = "http://127.0.0.1:8000"
GOOD = {"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2099", "cvv": "123"}


@pytest.fixture(autouse=True)
def addresses(settings):
    settings.PUBLIC_BASE_URL = "https://portal.greenway.example"
    settings.SANDBOX_PROCESSOR_URL = f"{SANDBOX}/sandbox-processor"


def tokenise(client, card, *, origin=SANDBOX, lang="en"):
    headers = {"Origin": origin} if origin else {}
    return client.post(
        reverse("sandbox_processor:tokens") + f"?lang={lang}",
        json.dumps(card),
        content_type="application/json",
        headers=headers,
    )


def test_a_good_card_gets_a_token_and_its_description(client):
    response = tokenise(client, GOOD)
    assert response.status_code == 200
    answer = response.json()
    assert answer["id"].startswith("tok_")
    assert answer["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2099}
    assert "4242424242424242" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("number", "", "Enter your card number."),
        ("number", "4242424242424241", "Your card number is not valid. Check it and try again."),
        ("exp_month", "13", "Enter the expiration month as a number from 1 to 12."),
        ("exp_year", "99", "Enter the expiration year as four digits, e.g. 2030."),
        ("cvv", "12", "The security code (CVV) is the 3 digits on the back of your card."),
    ],
)
def test_each_error_comes_back_on_its_field(client, field, typed, message):
    response = tokenise(client, {**GOOD, field: typed})
    assert response.status_code == 400
    assert response.json() == {"errors": {field: message}}
    assert not models.Token.objects.exists()


def test_an_expired_card_is_refused(client):
    response = tokenise(client, {**GOOD, "exp_month": "1", "exp_year": "2020"})
    assert response.json()["errors"] == {
        "exp_month": "This card has expired. Check the expiration date or use another card."
    }


def test_messages_come_in_spanish_when_asked(client):
    response = tokenise(client, {**GOOD, "number": ""}, lang="es")
    assert response.json()["errors"]["number"] == "Introduzca el número de su tarjeta."


@pytest.mark.parametrize(
    "origin", ["https://portal.greenway.example", "https://evil.example", "null"]
)
def test_a_browser_on_another_origin_is_refused(client, origin):
    response = tokenise(client, GOOD, origin=origin)
    assert response.status_code == 403
    assert not models.Token.objects.exists()


def test_a_call_without_origin_is_a_server_call_and_is_answered(client):
    assert tokenise(client, GOOD, origin=None).status_code == 200


def test_the_api_needs_no_csrf_token():
    from django.test import Client

    response = tokenise(Client(enforce_csrf_checks=True), GOOD)
    assert response.status_code == 200


def test_a_field_made_for_a_customer_binds_its_token_to_them(client):
    response = tokenise(client, {**GOOD, "setup": field_setup_sign(customer="cus_maria")})
    assert response.status_code == 200
    assert models.Token.objects.get().customer == "cus_maria"


def test_a_forged_setup_is_refused(client):
    response = tokenise(client, {**GOOD, "setup": "cus_someone_else"})
    assert response.status_code == 400
    assert not models.Token.objects.exists()


def test_a_body_that_is_not_a_card_is_refused(client):
    for body in ("not json", "[1, 2]"):
        response = client.post(
            reverse("sandbox_processor:tokens"), body, content_type="application/json"
        )
        assert response.status_code == 400


def test_the_card_number_is_never_logged(client, caplog):
    caplog.set_level("DEBUG")
    tokenise(client, {**GOOD, "number": "4000000000000002", "cvv": "987"})
    tokenise(client, {**GOOD, "number": "4000000000000003", "cvv": "986"})
    tokenise(client, GOOD, origin="https://evil.example")
    assert "4000000000000002" not in caplog.text
    assert "4000000000000003" not in caplog.text
    assert "4242 4242" not in caplog.text


def field_page(client, **query):
    return client.get(reverse("sandbox_processor:card-field"), query)


def test_the_field_page_may_be_framed_by_trellis_only(client):
    response = field_page(client, lang="en")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://portal.greenway.example" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]


def test_the_field_page_keeps_trellis_script_policy(client):
    response = field_page(client)
    policy = response.headers["Content-Security-Policy"]
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src
    nonce = response.wsgi_request.csp_nonce
    assert f'nonce="{nonce}"' in response.content.decode()


def test_the_field_page_has_labelled_inputs_with_help_and_error_slots(client):
    html = field_page(client).content.decode()
    for name, label in [
        ("number", "Card number"),
        ("exp_month", "Expiration month"),
        ("exp_year", "Expiration year"),
        ("cvv", "Security code (CVV)"),
    ]:
        assert f'<label for="{name}">{label}</label>' in html
        assert f'id="{name}-error" class="error" role="alert"' in html
    assert 'aria-describedby="cvv-help cvv-error"' in html
    assert 'autocomplete="cc-number"' in html
    assert 'data-merchant-origin="https://portal.greenway.example"' in html


def test_the_field_page_speaks_spanish(client):
    html = field_page(client, lang="es").content.decode()
    assert '<html lang="es">' in html
    assert "Número de tarjeta" in html
    assert "Código de seguridad (CVV)" in html


def test_the_merchant_origin_comes_from_settings_never_from_the_address(client):
    html = field_page(client, origin="https://evil.example", parent="https://evil.example")
    assert "evil" not in html.content.decode()


def test_a_field_address_with_a_forged_setup_is_refused(client):
    assert field_page(client, setup="cus_x").status_code == 400


@pytest.mark.parametrize("name", ["card-entry-script", "card-field-script"])
def test_the_scripts_are_served_as_javascript(client, name):
    response = client.get(reverse(f"sandbox_processor:{name}"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert "postMessage" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("card-field", {}),
        ("card-field-script", {}),
        ("card-entry-script", {}),
        ("tokens", {}),
        ("authenticate", {"authentication_id": "auth_x"}),
    ],
)
def test_every_page_is_gone_when_the_sandbox_is_off(client, name, kwargs):
    url = reverse(f"sandbox_processor:{name}", kwargs=kwargs)
    with override_settings(SANDBOX_PROCESSOR_ENABLED=False):
        response = client.post(url) if name == "tokens" else client.get(url)
    assert response.status_code == 404


def test_the_sandbox_is_not_mounted_when_off():
    # The project's root URLconf, whatever it is: the sandbox imports none of Trellis.
    root = importlib.import_module(settings.ROOT_URLCONF)
    try:
        with override_settings(SANDBOX_PROCESSOR_ENABLED=False):
            urls = importlib.reload(root)
            assert not any("sandbox-processor" in str(p.pattern) for p in urls.urlpatterns)
    finally:
        importlib.reload(root)
        clear_url_caches()
    assert any("sandbox-processor" in str(p.pattern) for p in root.urlpatterns)
