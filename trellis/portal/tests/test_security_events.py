import json
import logging
import uuid

import pytest

from trellis.billing.tests.methods import DECLINED, due_invoice, saved_card
from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory

pytestmark = pytest.mark.django_db


def security_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "trellis.security"]


def pay(client, invoice, method):
    return client.post(
        f"/invoices/{invoice.pk}/pay/",
        {
            "method": method.pk,
            "amount": "100.00",
            "idempotency_key": uuid.uuid4().hex,
            "confirm": "1",
        },
    )


def test_a_customer_refused_another_customer_s_invoice_is_logged_with_who_and_what(
    alice_client, alice, caplog
):
    strangers_invoice = due_invoice(ContactFactory(email="bob@example.com"))
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        response = alice_client.get(f"/invoices/{strangers_invoice.pk}/")
    assert response.status_code == 404
    [line] = [e for e in security_lines(caplog) if e["event"] == "access.denied"]
    assert line["user_id"] == alice.pk
    assert line["outcome"] == "not_found"
    assert line["object_ids"] == {"pk": str(strangers_invoice.pk)}
    assert line["request_id"] == response["X-Request-ID"]


def test_a_missing_page_for_a_stranger_is_not_a_denied_access(client, caplog):
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        assert client.get("/invoices/999999/").status_code in (302, 404)
    assert not [e for e in security_lines(caplog) if e["event"] == "access.denied"]


def test_payment_results_are_logged_once_each_without_card_data(
    alice_client, alice, caplog, django_capture_on_commit_callbacks
):
    invoice = due_invoice(alice.contact)
    good = saved_card(alice.contact)
    bad = saved_card(alice.contact, DECLINED)
    with (
        caplog.at_level(logging.INFO, logger="trellis.security"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        pay(alice_client, invoice, bad)
        pay(alice_client, invoice, good)
    events = [e for e in security_lines(caplog) if e["event"].startswith("payment.")]
    assert [e["event"] for e in events] == ["payment.failed", "payment.succeeded"]
    assert all(e["contact_id"] == alice.contact.pk for e in events)
    assert all(e["invoice_id"] == invoice.pk for e in events)
    assert events[0]["code"]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert good.token not in logged


def test_a_password_change_is_logged_without_the_passwords(alice_client, alice, caplog):
    new = "a brand new password"
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        alice_client.post(
            "/profile/password/",
            {
                "password-current_password": DEFAULT_PASSWORD,
                "password-new_password": new,
                "password-new_password_again": new,
            },
        )
    [line] = [e for e in security_lines(caplog) if e["event"] == "password.changed"]
    assert line["user_id"] == alice.pk
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert new not in logged
    assert DEFAULT_PASSWORD not in logged


def test_an_email_change_is_logged_with_who_made_it(alice_client, alice, caplog):
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        alice_client.post(
            "/profile/email/",
            {
                "email-new_email": "alice.new@example.com",
                "email-current_password": DEFAULT_PASSWORD,
            },
        )
    [line] = [e for e in security_lines(caplog) if e["event"] == "email.changed"]
    assert line["user_id"] == alice.pk
    assert line["contact_id"] == alice.contact.pk
    assert line["by_staff"] is False
