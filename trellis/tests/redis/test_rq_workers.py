"""Tasks queued in Redis (TASKS_BACKEND=rq) and run by real worker processes
(`trellis rqworker`), delivering email to a real SMTP server."""

import datetime as dt
import email as email_parser
import secrets
import subprocess
import time

import pytest
from django.utils import timezone
from django_rq import get_queue
from rq import Worker
from rq.registry import ScheduledJobRegistry

from trellis.mail.models import OutgoingEmail
from trellis.mail.tasks import deliver_email
from trellis.mail.tests.emails import queue_email
from trellis.testing.smtp import free_port, smtp_backend_on, smtp_servers_on
from trellis.tests.redis.processes import trellis_command

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = ("rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler")
EMAILS = 30


@pytest.fixture
def start_smtp_server(settings):
    port = free_port()
    smtp_backend_on(settings, port)
    yield from smtp_servers_on(port)


@pytest.fixture
def workers_env(start_smtp_server, other_process_env):
    return other_process_env


def run_burst_worker(env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603
        trellis_command(*WORKER, "--burst"), env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_a_queued_email_waits_in_redis_until_a_worker_process_delivers_it(
    on_redis, start_smtp_server, workers_env
):
    inbox = start_smtp_server()
    email = queue_email()

    assert get_queue("default").count == 1  # in Redis, not run by this process
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 0)

    run_burst_worker(workers_env)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    [received] = inbox.envelopes
    assert email_parser.message_from_bytes(received.original_content)["Message-ID"] == (
        email.message_id
    )


def test_a_failed_delivery_is_retried_by_the_queue_when_it_is_due(
    on_redis, start_smtp_server, workers_env
):
    email = queue_email()  # no SMTP server is up

    run_burst_worker(workers_env)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 1)
    registry = ScheduledJobRegistry(queue=get_queue("default"))
    [retry] = registry.get_job_ids()
    scheduled = registry.get_scheduled_time(retry)
    assert abs(scheduled - email.next_attempt_at) < dt.timedelta(seconds=1)
    assert email.next_attempt_at > timezone.now()


def test_two_workers_on_one_queue_deliver_each_email_exactly_once(
    settings, on_redis, start_smtp_server, workers_env
):
    inbox = start_smtp_server()
    rq_tasks = settings.TASKS
    # Queued while nothing runs their tasks; enqueued below, once both workers listen.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    emails = [queue_email() for _ in range(EMAILS)]
    settings.TASKS = rq_tasks

    names = [f"trellis-test-{n}-{secrets.token_hex(4)}" for n in (1, 2)]
    workers = [
        subprocess.Popen(  # noqa: S603
            trellis_command(*WORKER, "--max-idle-time", "3", "--name", name),
            env=workers_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    try:
        wait_for_workers(on_redis, names)
        # Each email twice, as a retry and the sweeper might: the two workers
        # race for the same rows, and the claim must decide.
        results = [deliver_email.enqueue(email_id=email.pk) for email in emails for _ in (1, 2)]
        for worker in workers:
            _, stderr = worker.communicate(timeout=60)
            assert worker.returncode == 0, stderr
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    message_ids = sorted(
        email_parser.message_from_bytes(envelope.original_content)["Message-ID"]
        for envelope in inbox.envelopes
    )
    assert message_ids == sorted(email.message_id for email in emails)
    sent = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT, attempts=1)
    assert sent.count() == EMAILS
    ran_on = {
        worker_id
        for result in results
        for worker_id in deliver_email.get_backend().get_result(result.id).worker_ids
    }
    assert ran_on == set(names)  # both workers took their share


def wait_for_workers(redis, names: list[str]) -> None:
    deadline = time.monotonic() + 30
    while {worker.name for worker in Worker.all(connection=redis)} != set(names):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)
