import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from django.db import connection

from trellis.billing import payments
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import PaymentRefused, invoice_pay
from trellis.billing.tests.methods import due_invoice, key, saved_card
from trellis.company.models import Company
from trellis.sandbox_processor.models import Charge as ProcessorCharge
from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite lets one writer at a time in (transactions begin IMMEDIATE): "
        "there is no race to test. Run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


def charges():
    """The charges the sandbox processor made, as its own ledger has them."""
    return ProcessorCharge.objects.filter(status=ProcessorCharge.Status.SUCCEEDED).count()


@pytest.fixture
def slow_checks(monkeypatch):
    real = payments.payment_problem

    def slow_payment_problem(**kwargs):
        # Hold the transaction open after the checks passed and before the
        # payment is stored, so the other submission is checked meanwhile:
        # without the invoice lock both would find the whole balance free.
        problem = real(**kwargs)
        time.sleep(0.5)
        return problem

    monkeypatch.setattr(payments, "payment_problem", slow_payment_problem)


def submit_together(invoice, contact, method, keys):
    company = Company.load()
    barrier = threading.Barrier(len(keys))
    outcomes = []

    def submit(idempotency_key):
        try:
            barrier.wait(timeout=10)
            payment = invoice_pay(
                invoice_id=invoice.pk,
                contact=contact,
                company=company,
                method=method,
                amount=Decimal("100.00"),
                idempotency_key=idempotency_key,
            )
            outcomes.append(payment.status)
        except PaymentRefused:
            outcomes.append("refused")
        except Exception as error:  # reported by the assertions
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(k,)) for k in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_two_simultaneous_payments_of_the_whole_balance_charge_once(slow_checks):
    contact = ContactFactory()
    invoice = due_invoice(contact)

    outcomes = submit_together(invoice, contact, saved_card(contact), [key(), key()])

    assert outcomes == ["refused", Payment.Status.SUCCEEDED]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_paid == Decimal("100.00")
    assert Payment.objects.count() == 1
    assert charges() == 1


def test_a_double_submitted_form_is_one_payment_and_one_charge(slow_checks):
    contact = ContactFactory()
    invoice = due_invoice(contact)
    same = key()

    outcomes = submit_together(invoice, contact, saved_card(contact), [same, same])

    assert outcomes == [Payment.Status.SUCCEEDED, Payment.Status.SUCCEEDED]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00")
    assert Payment.objects.count() == 1
    assert charges() == 1


class Browser:
    """A customer's browser: its own cookies, talking HTTP to the live server."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.base_url + path, timeout=20) as response:
            return response.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base_url + path, body, timeout=20) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()

    def form_post(self, path, data):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path))[1]
        return self.post(path, {"csrfmiddlewaretoken": token, **data})


def test_two_real_simultaneous_requests_charge_once(live_server, alice, slow_checks, settings):
    # The live server speaks plain HTTP: cookies marked Secure would never come back.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact)
    browsers = [Browser(live_server.url), Browser(live_server.url)]
    for browser in browsers:
        status, _url, _page = browser.form_post(
            "/sign-in/", {"email": alice.contact.email, "password": DEFAULT_PASSWORD}
        )
        assert status == 200
    # Two tabs, each with its own Invoice Payment screen (its own key).
    forms = []
    for browser in browsers:
        page = browser.get(f"/invoices/{invoice.pk}/pay/")
        forms.append(
            {
                "csrfmiddlewaretoken": re.search(
                    r'name="csrfmiddlewaretoken" value="([^"]+)"', page
                )[1],
                "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page)[1],
                "method": method.pk,
                "amount": "100.00",
                "confirm": "1",
            }
        )
    barrier = threading.Barrier(2)
    answers = []

    def confirm(browser, data):
        barrier.wait(timeout=10)
        answers.append(browser.post(f"/invoices/{invoice.pk}/pay/", data))

    threads = [
        threading.Thread(target=confirm, args=pair) for pair in zip(browsers, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(status for status, _url, _page in answers)
    assert statuses == [200, 400]
    [(_, paid_url, receipt)] = [a for a in answers if a[0] == 200]
    [(_, _, refused)] = [a for a in answers if a[0] == 400]
    assert "/payments/" in paid_url and "Thank you for your payment" in receipt
    assert "already being processed" in refused or "already paid" in refused
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.count() == 1
    assert charges() == 1
