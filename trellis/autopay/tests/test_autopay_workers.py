import threading
import time

import pytest
from django.db import connection

from trellis.autopay import charging
from trellis.autopay.charging import autopay_run
from trellis.autopay.models import Attempt
from trellis.autopay.tests.world import (
    TODAY,
    autopay_payments,
    customer_with_home,
    issued,
    sandbox_charges_of,
    turned_on,
)
from trellis.billing.models import Payment
from trellis.billing.tests.methods import saved_card

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite lets one writer at a time in (transactions begin IMMEDIATE): "
        "there is no race to test. Run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def slow_listing(monkeypatch):
    real = charging.invoices_to_charge

    def listed_then_wait(**kwargs):
        # Both workers find the invoice due before either claims it.
        invoices = list(real(**kwargs))
        time.sleep(0.5)
        return invoices

    monkeypatch.setattr(charging, "invoices_to_charge", listed_then_wait)


def test_two_workers_running_autopay_at_once_charge_an_invoice_once(slow_listing):
    contact, home = customer_with_home()
    turned_on(contact, saved_card(contact), home)
    invoice = issued(home, due_on=TODAY)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait(timeout=10)
            autopay_run(today=TODAY)
        except Exception as error:  # reported by the assertion
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Attempt.objects.filter(invoice=invoice).count() == 1
    assert autopay_payments(invoice) == [Payment.Status.SUCCEEDED]
    assert sandbox_charges_of(invoice) == 1
