"""Delivery through Django's SMTP backend to a real SMTP server (aiosmtpd)
that the test starts: while it is down the email waits; once it is up, the
email arrives exactly once."""

import datetime as dt
import email as email_parser
import io
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    # Nothing listens on it once the socket is closed, until the test starts
    # the server there.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def start_smtp_server(smtp_port):
    controllers = []

    def start() -> Inbox:
        inbox = Inbox()
        # A fixed server name: looking up this machine's own would wait on DNS.
        controller = Controller(
            inbox, hostname="127.0.0.1", port=smtp_port, server_hostname="smtp.test"
        )
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


def test_an_email_waits_while_the_smtp_server_is_down_and_is_delivered_once_when_it_is_up(
    start_smtp_server, django_capture_on_commit_callbacks, time_machine
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email()

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 1
    assert email.last_error.startswith("ConnectionRefusedError: ")

    inbox = start_smtp_server()
    time_machine.move_to(email.next_attempt_at + dt.timedelta(seconds=1))
    output = io.StringIO()
    call_command("send_queued_email", stdout=output)

    assert output.getvalue().startswith("1 sent, 0 to retry later")
    assert len(inbox.envelopes) == 1
    received = inbox.envelopes[0]
    assert received.rcpt_tos == [email.to_address]
    message = email_parser.message_from_bytes(received.original_content)
    assert message["Message-ID"] == email.message_id
    assert message["Reply-To"] == "jane@greenway.example"
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 2
    assert email.last_error == ""

    time_machine.move_to(email.sent_at + dt.timedelta(days=1))
    call_command("send_queued_email", stdout=io.StringIO())

    assert len(inbox.envelopes) == 1
