"""The 3-D Secure stand-in: the customer's bank asks them to confirm a charge."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from trellis.sandbox_processor import processor
from trellis.sandbox_processor.models import Charge, Event
from trellis.sandbox_processor.testing import sandbox_token

pytestmark = pytest.mark.django_db

BASE = "https://portal.greenway.example"


@pytest.fixture(autouse=True)
def addresses(settings):
    settings.PUBLIC_BASE_URL = BASE
    settings.SANDBOX_PROCESSOR_URL = "http://testserver/sandbox-processor"


def charge_needing_action(return_url=f"{BASE}/invoices/7/pay/done/", language="en"):
    customer = processor.customer_create(name="Maria", email="m@example.com", idempotency_key="c")
    card = processor.card_save(
        token=sandbox_token("4000002760003184"), customer=customer, idempotency_key="s"
    )
    with translation.override(language):
        charge = processor.charge_create(
            card=card.reference,
            customer=customer,
            amount=Decimal("125.50"),
            currency="usd",
            idempotency_key="pay-1",
            customer_present=True,
            return_url=return_url,
        )
    assert charge.status == Charge.Status.REQUIRES_ACTION
    return charge, processor.authentication_url(charge)


def test_the_prompt_shows_the_amount_and_both_answers(client):
    _charge, url = charge_needing_action()
    html = client.get(url).content.decode()
    assert "125.50 USD" in html
    assert 'value="complete"' in html and "Complete authentication" in html
    assert 'value="fail"' in html and "Fail authentication" in html
    assert "csrfmiddlewaretoken" in html


def test_the_prompt_speaks_the_language_of_the_charge(client):
    _charge, url = charge_needing_action(language="es")
    assert url.endswith("?lang=es")
    assert '<html lang="es">' in client.get(url).content.decode()


def test_the_answer_needs_the_csrf_token():
    _charge, url = charge_needing_action()
    response = Client(enforce_csrf_checks=True).post(url, {"result": "complete"})
    assert response.status_code == 403
    assert Charge.objects.get().status == Charge.Status.REQUIRES_ACTION


@pytest.mark.parametrize(
    ("result", "status", "event"),
    [("complete", "succeeded", "charge.succeeded"), ("fail", "failed", "charge.failed")],
)
def test_the_answer_settles_the_charge_and_returns_the_customer(client, result, status, event):
    _charge, url = charge_needing_action()
    response = client.post(url, {"result": result})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/invoices/7/pay/done/"
    charge = Charge.objects.get()
    assert charge.status == status
    assert [e.type for e in Event.objects.all()] == [event]
    if result == "fail":
        assert charge.failure_code == "authentication_failed"


def test_a_second_answer_changes_nothing(client):
    _charge, url = charge_needing_action()
    client.post(url, {"result": "complete"})
    response = client.post(url, {"result": "fail"})
    assert Charge.objects.get().status == Charge.Status.SUCCEEDED
    assert Event.objects.count() == 1
    assert "Your bank confirmed this payment." in response.content.decode()


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/phish",
        f"{BASE}.evil.example/",
        "//evil.example/",
        BASE,  # not a page under it
        "",
    ],
)
def test_the_customer_is_never_sent_anywhere_but_trellis(client, return_url):
    _charge, url = charge_needing_action(return_url=return_url)
    response = client.post(url, {"result": "complete"})
    assert response.status_code == 200
    assert "evil" not in response.content.decode()
    assert Charge.objects.get().status == Charge.Status.SUCCEEDED


def test_the_answer_may_redirect_to_trellis_under_the_form_policy(client):
    _charge, url = charge_needing_action()
    policy = client.get(url).headers["Content-Security-Policy"]
    assert f"form-action 'self' {BASE}" in policy


def test_an_unknown_prompt_is_not_found(client):
    assert client.get("/sandbox-processor/v1/authenticate/auth_nothing/").status_code == 404
