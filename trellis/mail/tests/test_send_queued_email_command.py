import datetime as dt
import io
import os
import signal
import threading

import pytest
from django.core import mail
from django.core.management import call_command

from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email

pytestmark = pytest.mark.django_db


def send_queued_email(*args: str) -> str:
    output = io.StringIO()
    call_command("send_queued_email", *args, stdout=output)
    return output.getvalue()


def test_the_command_sends_the_email_that_is_due_and_says_what_it_did(locmem_email):
    due = [queue_email(), queue_email()]
    later = queue_email()
    OutgoingEmail.objects.filter(pk=later.pk).update(
        next_attempt_at=later.next_attempt_at + dt.timedelta(hours=1)
    )

    output = send_queued_email()

    assert output.startswith("2 sent, 0 to retry later, 0 failed")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.to_address for e in due)
    later.refresh_from_db()
    assert later.status == OutgoingEmail.Status.QUEUED


def test_the_command_sends_at_most_its_limit_at_a_time(locmem_email):
    for _ in range(3):
        queue_email()

    assert send_queued_email("--limit", "2").startswith("2 sent")
    assert send_queued_email("--limit", "2").startswith("1 sent")
    assert len(mail.outbox) == 3


def test_the_command_with_nothing_due_sends_nothing(locmem_email):
    assert send_queued_email().startswith("0 sent")
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_sends_what_is_due_and_stops_cleanly_on_sigterm(locmem_email, settings):
    # A queue that keeps its tasks, so that the worker is the one to send.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    queue_email()
    stop_soon = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    stop_soon.start()
    try:
        output = send_queued_email("--loop", "--interval", "60")
    finally:
        stop_soon.cancel()

    assert "1 sent" in output
    assert output.rstrip().endswith("Stopped.")
    assert len(mail.outbox) == 1
