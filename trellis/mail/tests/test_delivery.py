"""Retries with backoff, giving up, and never sending one email twice."""

import datetime as dt
import logging
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks import task_backends

from trellis.audit.models import AuditEntry
from trellis.mail.delivery import (
    UNKNOWN_OUTCOME,
    backoff,
    email_deliver,
    email_deliver_due,
    email_enqueue_delivery,
    email_retry,
)
from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
REFUSED = "ConnectionRefusedError: [Errno 111] Connection refused"


@pytest.fixture
def now(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_a_failed_attempt_leaves_the_email_queued_with_its_error_and_a_later_attempt_time(
    now, failing_email
):
    email = queue_email()

    email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == Status.QUEUED
    assert email.attempts == 1
    assert email.last_error == REFUSED
    assert email.next_attempt_at == START + dt.timedelta(minutes=1)
    assert email.sent_at is None


def test_a_failed_email_is_not_retried_before_its_next_attempt_time(now, failing_email, settings):
    email = queue_email()
    email_deliver(email_id=email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    now.move_to(START + dt.timedelta(seconds=59), tick=False)
    assert email_deliver(email_id=email.pk) is None
    assert email_deliver_due().total == 0

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 1)


def test_a_failed_email_is_retried_when_due_and_sent_once(now, failing_email, settings):
    email = queue_email()
    email_deliver(email_id=email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    now.move_to(START + dt.timedelta(minutes=1), tick=False)
    run = email_deliver_due()
    again = email_deliver_due()

    assert (run.sent, again.total) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].message()["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert email.sent_at == START + dt.timedelta(minutes=1)


def test_the_wait_between_attempts_grows_then_levels_off():
    waits = [backoff(attempts=n) for n in range(1, 9)]

    assert [w.total_seconds() / 60 for w in waits] == [1, 5, 15, 60, 180, 360, 360, 360]


def test_each_failed_attempt_waits_longer_before_the_next(now, failing_email):
    email = queue_email()
    at = START
    for expected_wait in (1, 5, 15, 60):
        email_deliver_due()
        email.refresh_from_db()
        assert email.next_attempt_at == at + dt.timedelta(minutes=expected_wait)
        at = email.next_attempt_at
        now.move_to(at, tick=False)

    assert email.attempts == 4


def test_an_email_fails_for_good_after_the_maximum_number_of_attempts(now, failing_email, settings):
    settings.EMAIL_MAX_ATTEMPTS = 3
    email = queue_email()
    for _ in range(3):
        email_deliver_due()
        now.move_to(timezone.now() + dt.timedelta(days=1), tick=False)

    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.attempts == 3
    assert email.last_error == REFUSED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_deliver_due().total == 0
    assert mail.outbox == []


def test_two_deliveries_of_the_same_email_send_it_once(locmem_email):
    email = queue_email()

    first = email_deliver(email_id=email.pk)
    second = email_deliver(email_id=email.pk)

    assert first is not None and first.status == Status.SENT
    assert second is None
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_an_email_another_worker_is_sending_is_not_sent_again(locmem_email):
    email = queue_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(status=Status.SENDING, attempts=1)

    assert email_deliver(email_id=email.pk) is None
    assert email_deliver_due().total == 0
    assert mail.outbox == []


def test_an_email_left_sending_by_a_stopped_worker_is_marked_failed_and_not_sent_again(
    now, locmem_email, settings
):
    settings.EMAIL_SENDING_TIMEOUT_MINUTES = 15
    email = queue_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENDING, attempts=1, updated_at=START
    )

    now.move_to(START + dt.timedelta(minutes=16), tick=False)
    run = email_deliver_due()
    later = email_deliver_due()

    assert (run.interrupted, run.sent, later.total) == (1, 0, 0)
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.last_error == UNKNOWN_OUTCOME
    assert email.attempts == 1


def test_an_email_sending_for_less_than_the_timeout_is_left_alone(now, locmem_email, settings):
    settings.EMAIL_SENDING_TIMEOUT_MINUTES = 15
    email = queue_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENDING, attempts=1, updated_at=START
    )

    now.move_to(START + dt.timedelta(minutes=14), tick=False)
    assert email_deliver_due().total == 0

    email.refresh_from_db()
    assert email.status == Status.SENDING


def test_an_email_sent_after_being_given_up_on_is_recorded_as_sent(locmem_email):
    email = queue_email()

    def worker_given_up_on_mid_send(*args, **kwargs):
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=Status.FAILED, last_error=UNKNOWN_OUTCOME
        )
        return 1

    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=worker_given_up_on_mid_send,
    ):
        email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.last_error == ""


def test_the_error_recorded_and_logged_is_the_exception_never_the_message(
    now, failing_email, caplog
):
    card = "4242 4242 4242 4242"
    email = queue_email(text=f"Your card {card} was charged.", html=f"<p>{card}</p>")

    with caplog.at_level(logging.INFO, logger="trellis.mail"):
        email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.last_error == REFUSED
    assert card not in caplog.text
    assert f"Email {email.pk} failed on attempt 1 of 8" in caplog.text


def test_a_task_queue_that_can_defer_is_handed_the_retry_at_its_due_time(
    now, failing_email, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    email = queue_email()

    with django_capture_on_commit_callbacks(execute=True):
        email_deliver(email_id=email.pk)

    email.refresh_from_db()
    [retry] = task_backends["default"].results
    assert retry.kwargs == {"email_id": email.pk}
    assert retry.task.run_after == email.next_attempt_at == START + dt.timedelta(minutes=1)


def test_a_task_queue_that_is_down_leaves_the_email_queued_for_the_sweeper(
    locmem_email, settings, django_capture_on_commit_callbacks, caplog
):
    settings.TASKS = {"default": {"BACKEND": "trellis.mail.tests.backends.DownTaskBackend"}}
    email = queue_email()

    with django_capture_on_commit_callbacks(execute=True):
        email_enqueue_delivery(email_id=email.pk)

    assert f"Could not enqueue delivery of email {email.pk}" in caplog.text
    email.refresh_from_db()
    assert email.status == Status.QUEUED
    assert email_deliver_due().sent == 1
    assert len(mail.outbox) == 1


def test_staff_retry_queues_a_failed_email_again_and_sends_it(
    now, failing_email, settings, staff, django_capture_on_commit_callbacks
):
    settings.EMAIL_MAX_ATTEMPTS = 1
    email = queue_email()
    email_deliver(email_id=email.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        assert email_retry(email=email, actor=staff) is True

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.attempts == 1
    [entry] = AuditEntry.objects.filter(action="email.retried", actor=staff)
    assert entry.data == {"earlier_attempts": 1}


def test_retrying_a_sent_email_sends_nothing(locmem_email):
    email = queue_email()
    email_deliver(email_id=email.pk)

    assert email_retry(email=email) is False
    assert email_deliver_due().total == 0
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", [Status.QUEUED, Status.SENDING])
def test_retrying_an_email_that_has_not_failed_changes_nothing(locmem_email, status):
    email = queue_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(status=status, attempts=1)

    assert email_retry(email=email) is False

    email.refresh_from_db()
    assert (email.status, email.attempts) == (status, 1)
    assert mail.outbox == []
