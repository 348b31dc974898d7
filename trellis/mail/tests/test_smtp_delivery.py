"""Delivery through Django's SMTP backend to a real SMTP server (aiosmtpd)
that the test starts: while it is down the email waits; once it is up, the
email arrives exactly once."""

import datetime as dt
import email as email_parser
import io

import pytest
from django.core.management import call_command

from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email
from trellis.testing.smtp import free_port, smtp_backend_on, smtp_servers_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_port(settings):
    port = free_port()
    smtp_backend_on(settings, port)
    return port


@pytest.fixture
def start_smtp_server(smtp_port):
    yield from smtp_servers_on(smtp_port)


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
