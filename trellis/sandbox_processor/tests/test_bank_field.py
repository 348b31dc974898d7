"""The bank account field page and the tokenisation API's bank accounts."""

import json

import pytest
from django.urls import reverse

from trellis.sandbox_processor import models
from trellis.sandbox_processor.field_setup import field_setup_sign

pytestmark = pytest.mark.django_db

SANDBOX = "http://127.0.0.1:8000"
ACCOUNT = "000123456789"
GOOD = {
    "kind": "bank_account",
    "routing_number": "110000000",
    "account_number": ACCOUNT,
    "account_number_confirm": ACCOUNT,
    "account_type": "checking",
}


@pytest.fixture(autouse=True)
def addresses(settings):
    settings.PUBLIC_BASE_URL = "https://portal.greenway.example"
    settings.SANDBOX_PROCESSOR_URL = f"{SANDBOX}/sandbox-processor"


def tokenise(client, account, *, origin=SANDBOX):
    headers = {"Origin": origin} if origin else {}
    return client.post(
        reverse("sandbox_processor:tokens") + "?lang=en",
        json.dumps(account),
        content_type="application/json",
        headers=headers,
    )


def test_a_good_account_gets_a_bank_token_and_its_description(client):
    response = tokenise(client, GOOD)
    assert response.status_code == 200
    answer = response.json()
    assert answer["id"].startswith("btok_")
    assert answer["bank_account"] == {
        "bank_name": "Sandbox Test Bank",
        "last4": "6789",
        "account_type": "checking",
    }
    assert ACCOUNT not in response.content.decode()


def test_the_token_keeps_neither_the_account_nor_the_routing_number(client):
    answer = tokenise(
        client, {**GOOD, "account_number": "000222222227", "account_number_confirm": "000222222227"}
    ).json()
    row = models.BankToken.objects.get()
    assert row.behaviour == "ach_insufficient_funds"
    stored = str(models.BankToken.objects.values().get())
    assert "000222222227" not in stored
    assert "110000000" not in stored
    assert answer["id"] not in stored
    assert not models.Token.objects.exists()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("routing_number", "", "Enter the 9-digit routing number from the bottom of your cheque."),
        (
            "routing_number",
            "110000001",
            "This routing number is not valid. Check it against a cheque or your bank.",
        ),
        ("account_type", "", "Choose checking or savings."),
        (
            "account_number_confirm",
            "000123456780",
            "The account numbers do not match. Type the account number again.",
        ),
    ],
)
def test_each_error_comes_back_on_its_field(client, field, typed, message):
    response = tokenise(client, {**GOOD, field: typed})
    assert response.status_code == 400
    assert response.json() == {"errors": {field: message}}
    assert not models.BankToken.objects.exists()


def test_a_short_account_number_is_refused_without_being_echoed(client):
    response = tokenise(client, {**GOOD, "account_number": "987", "account_number_confirm": "987"})
    assert response.json() == {
        "errors": {"account_number": "Enter an account number of 4 to 17 digits."}
    }
    assert "987" not in response.content.decode()


def test_a_server_call_may_leave_out_the_confirmation(client):
    account = {key: value for key, value in GOOD.items() if key != "account_number_confirm"}
    assert tokenise(client, account, origin=None).status_code == 200


@pytest.mark.parametrize("origin", ["https://portal.greenway.example", "https://evil.example"])
def test_a_browser_on_another_origin_is_refused(client, origin):
    response = tokenise(client, GOOD, origin=origin)
    assert response.status_code == 403
    assert not models.BankToken.objects.exists()


def test_a_field_made_for_a_customer_binds_its_token_to_them(client):
    response = tokenise(client, {**GOOD, "setup": field_setup_sign(customer="cus_maria")})
    assert response.status_code == 200
    assert models.BankToken.objects.get().customer == "cus_maria"


def test_a_forged_setup_is_refused(client):
    response = tokenise(client, {**GOOD, "setup": "cus_someone_else"})
    assert response.status_code == 400
    assert not models.BankToken.objects.exists()


def test_the_account_number_is_never_logged(client, caplog):
    caplog.set_level("DEBUG")
    tokenise(client, {**GOOD, "account_number": "000111111113"})  # confirmation differs
    tokenise(client, {**GOOD, "routing_number": "110000001"})
    tokenise(client, GOOD, origin="https://evil.example")
    assert "000111111113" not in caplog.text
    assert ACCOUNT not in caplog.text


def field_page(client, **query):
    return client.get(reverse("sandbox_processor:bank-field"), query)


def test_the_bank_field_may_be_framed_by_trellis_only_and_keeps_its_script_policy(client):
    response = field_page(client, lang="en")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://portal.greenway.example" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    html = response.content.decode()
    assert f'nonce="{response.wsgi_request.csp_nonce}"' in html
    assert " on" not in html.split("<form")[1].split(">")[0]  # no inline handlers


def test_the_bank_field_has_labelled_inputs_error_slots_and_the_sandbox_banner(client):
    html = field_page(client).content.decode()
    for name, label in [
        ("routing_number", "Routing number"),
        ("account_number", "Account number"),
        ("account_number_confirm", "Account number again"),
    ]:
        assert f'<label for="{name}">{label}</label>' in html
        assert f'id="{name}-error" class="error" role="alert"' in html
    assert 'type="radio" value="checking"' in html
    assert 'type="radio" value="savings"' in html
    assert 'id="account_type-error"' in html
    assert 'data-kind="bank_account"' in html
    assert "Sandbox: test accounts only, no real money." in html
    assert 'data-merchant-origin="https://portal.greenway.example"' in html


def test_the_bank_field_speaks_the_language_asked_for(client):
    assert '<html lang="es">' in field_page(client, lang="es").content.decode()


def test_a_bank_field_address_with_a_forged_setup_is_refused(client):
    assert field_page(client, setup="cus_x").status_code == 400


def test_the_bank_field_is_gone_when_the_sandbox_is_off(client, settings):
    url = reverse("sandbox_processor:bank-field")
    settings.SANDBOX_PROCESSOR_ENABLED = False
    assert client.get(url).status_code == 404


def test_the_field_script_sends_the_kind_and_answers_the_bank_account(client):
    script = client.get(reverse("sandbox_processor:card-field-script")).content.decode()
    assert 'getAttribute("data-kind")' in script
    assert "answer.bank_account = result.data.bank_account" in script


def test_the_embedding_script_fills_the_input_the_container_names(client):
    script = client.get(reverse("sandbox_processor:card-entry-script")).content.decode()
    assert 'container.getAttribute("data-token-field") || "card_token"' in script
