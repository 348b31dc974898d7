"""Security checks 34 and 37 (payments, against the sandbox processor) where other
tests show them only in part. Checks 33 and 36 are shown in
trellis/billing/tests/test_payments_concurrency.py and
trellis/portal/tests/test_pay_invoice.py; check 35 (webhooks) comes with the
Stripe gateway (docs/security-checks.md)."""

import logging
import re
import uuid

import pytest
from django.apps import apps

from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.tests.methods import TIMES_OUT_ONCE, due_invoice, saved_card
from trellis.sandbox_processor.models import Charge as ProcessorCharge
from trellis.testing.card_data import (
    card_numbers_in,
    card_tokenised,
    database_dump,
    security_code_in,
    typed_numbers_in,
)

pytestmark = pytest.mark.django_db

PATH = "trellis.tests.test_security_checks_payments.RecordingGateway"


def charges():
    """The charges the sandbox processor made, as its own ledger has them."""
    return ProcessorCharge.objects.filter(status=ProcessorCharge.Status.SUCCEEDED).count()


class RecordingGateway(SandboxGateway):
    """The sandbox, noting the idempotency key of every charge it is sent: what
    a processor would see on the wire."""

    name = "sandbox"
    charge_keys: list[str] = []

    def charge(self, **call):
        self.charge_keys.append(call["idempotency_key"])
        return super().charge(**call)


@pytest.fixture
def recorded_keys(settings):
    settings.PAYMENT_GATEWAY = PATH
    RecordingGateway.charge_keys = []
    return RecordingGateway.charge_keys


@pytest.fixture
def alice_browser(client, alice):
    client.force_login(alice)
    return client


def confirm(browser, invoice, method, key):
    return browser.post(
        f"/invoices/{invoice.pk}/pay/",
        {"method": method.pk, "amount": "100.00", "idempotency_key": key, "confirm": "1"},
    )


def test_check_34_try_again_after_a_timeout_sends_the_same_idempotency_key_and_pays_once(
    alice_browser, alice, recorded_keys
):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, TIMES_OUT_ONCE)
    key = uuid.uuid4().hex
    confirm(alice_browser, invoice, method, key)
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING

    alice_browser.post(f"/invoices/{invoice.pk}/payments/{payment.pk}/retry/")

    assert len(recorded_keys) == 2
    assert recorded_keys[0] == recorded_keys[1] == payment.idempotency_key
    assert Payment.objects.count() == 1
    assert charges() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_check_34_the_form_confirmed_again_after_a_timeout_sends_the_same_key_and_pays_once(
    alice_browser, alice, recorded_keys
):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, TIMES_OUT_ONCE)
    key = uuid.uuid4().hex
    confirm(alice_browser, invoice, method, key)

    confirm(alice_browser, invoice, method, key)  # the browser's back button, and again

    assert len(recorded_keys) == 2
    assert recorded_keys[0] == recorded_keys[1]
    assert Payment.objects.count() == 1
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert charges() == 1


# A field that could hold what a card's number, security code or magnetic stripe is.
CARD_FIELD = re.compile(
    r"(^|_)(pan|cvv2?|cvc2?|cvn|cid|csc|card_?number|card_?no|security_code|track\d?|pin)($|_)"
)


def test_check_37_no_model_has_a_field_for_a_card_number_or_security_code():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if CARD_FIELD.search(field.name.lower())
    ]
    assert offenders == []
    kept = {f.name for f in PaymentMethod._meta.get_fields() if f.concrete}
    assert {"token", "brand", "last4", "exp_month", "exp_year"} <= kept
    assert not [name for name in kept if "number" in name or "cvv" in name]


def test_check_37_paying_with_new_cards_leaves_no_card_number_in_the_database_or_the_logs(
    alice_browser, alice, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    typed = ["4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005"]
    cvvs = ["731", "852", "9641"]
    for number, cvv, save in zip(typed, cvvs, ["on", "", "on"], strict=True):
        invoice = due_invoice(alice.contact)
        key = uuid.uuid4().hex
        new_card = {
            "method": "new",
            "amount": "100.00",
            "idempotency_key": key,
            "card_token": card_tokenised(alice_browser, number, cvv),
            "holder_name": "Alice Arnold",
            "save_card": save,
        }
        with django_capture_on_commit_callbacks(execute=True):
            review = alice_browser.post(f"/invoices/{invoice.pk}/pay/", new_card)
            assert review.status_code == 200, review.content.decode()
            method = PaymentMethod.objects.filter(contact=alice.contact).latest("pk")
            confirm(alice_browser, invoice, method, key)
        assert Payment.objects.get(idempotency_key=key).status == Payment.Status.SUCCEEDED

    dump = database_dump()
    logged = caplog.text
    assert card_numbers_in(dump) == set()
    assert card_numbers_in(logged) == set()
    assert typed_numbers_in(dump + logged, typed) == set()
    for cvv in cvvs:
        assert not security_code_in(dump + logged, cvv)
