"""Killing the web process after the processor charged and before Trellis
recorded it ends, after the reconciliation command runs, with one succeeded
payment, one receipt and the invoice paid.

A real Trellis server process (`trellis runserver --noreload`) on this test's
database, paying through DyingAfterChargeGateway: the sandbox charges the
card, then the gateway SIGKILLs the process it runs in, so no answer reaches
the customer and nothing more reaches the database."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from trellis.billing.models import Invoice, Payment
from trellis.billing.tests.methods import due_invoice, key, saved_card
from trellis.billing.tests.processor_world import later, receipts, sandbox_charges
from trellis.sandbox_processor.models import Charge as SandboxCharge
from trellis.testing.factories import ContactFactory, CustomerAccountFactory
from trellis.testing.smtp import free_port
from trellis.tests.redis.processes import database_for_other_processes, trellis_command

pytestmark = pytest.mark.django_db(transaction=True)

DYING = "trellis.testing.dying_gateway.DyingAfterChargeGateway"


@contextmanager
def web_process(database_url: str, folder: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """`trellis runserver` on this test's database, paying through DYING."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "0",
        "TRELLIS_DATA_DIR": str(folder),
        "PAYMENT_GATEWAY": DYING,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TASKS_BACKEND": "immediate",
    }
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        trellis_command("runserver", "--noreload", f"127.0.0.1:{port}"),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_listening(server, port, folder / "server.log")
        yield server, port
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        log.close()


def _wait_until_listening(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"The server did not start:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"The server did not listen within a minute:\n{log.read_text()}")


def signed_in_cookies(account) -> str:
    """The Cookie header of a browser signed in as `account`: its session is a
    row of the database the server reads, and a CSRF secret both sides know."""
    client = Client()
    client.force_login(account)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"


CSRF_SECRET = secrets.token_hex(16)  # 32 characters: a CSRF cookie's unmasked secret


def test_a_payment_charged_by_a_process_killed_before_recording_it_ends_paid_once(tmp_path):
    account = CustomerAccountFactory(contact=ContactFactory(email="alice@example.com"))
    contact = account.contact
    invoice = due_invoice(contact)
    method = saved_card(contact)
    idempotency_key = key()

    with database_for_other_processes(tmp_path) as database_url:
        cookies = signed_in_cookies(account)
        with web_process(database_url, tmp_path) as (server, port):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            form = {
                "confirm": "1",
                "method": str(method.pk),
                "amount": "100.00",
                "idempotency_key": idempotency_key,
                "csrfmiddlewaretoken": CSRF_SECRET,
            }
            connection.request(
                "POST",
                reverse("portal:invoice-pay", args=[invoice.pk]),
                body=urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookies,
                },
            )
            with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
                connection.getresponse()  # the process died mid-request: no answer
            assert server.wait(timeout=10) == -signal.SIGKILL

        [payment] = Payment.objects.filter(invoice=invoice)
        assert payment.status == Payment.Status.PENDING
        assert payment.idempotency_key == idempotency_key
        assert sandbox_charges(payment) == [SandboxCharge.Status.SUCCEEDED]
        assert receipts(payment) == 0

        out = StringIO()
        with time_machine.travel(later()):
            call_command("payments_reconcile", stdout=out)

        assert "1 recorded as paid" in out.getvalue()
        [payment] = Payment.objects.filter(invoice=invoice)
        assert payment.status == Payment.Status.SUCCEEDED
        assert payment.processor_reference.startswith("ch_")
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert receipts(payment) == 1
        assert sandbox_charges(payment) == [SandboxCharge.Status.SUCCEEDED]  # charged once
