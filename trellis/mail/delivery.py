"""Delivery of queued email: each row is sent at most once, and retried until then.

A delivery first claims its row with one conditional UPDATE (queued and due ->
sending). Only the claimant sends, so a second worker, a duplicate task or the
sweeper running beside the task queue finds nothing to claim and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.mail.headers import header_safe
from trellis.mail.links import InvalidToken, link_unmask, secret_open
from trellis.mail.models import OutgoingEmail

if TYPE_CHECKING:
    from django_tasks.base import Task

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status

# Minutes to wait after the first, second, third… failed attempt; the last
# step repeats until EMAIL_MAX_ATTEMPTS is reached (about 16 hours with 8).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)

UNKNOWN_OUTCOME = (
    "Delivery was interrupted (the worker stopped while sending), so it is not known "
    "whether the mail server accepted this message. It was not sent again "
    "automatically, to avoid sending it twice; retry it by hand if it did not arrive."
)


LINK_GONE = (
    "The link in this email no longer works (it was used, replaced by a newer one, "
    "or expired), so it was not sent. Send the customer a new invitation or password "
    "reset instead."
)
LINK_UNREADABLE = (
    "The link in this email cannot be read back: SECRET_KEY changed and the old key is "
    "not in SECRET_KEY_FALLBACKS. Send the customer a new invitation or password reset."
)


class Undeliverable(Exception):
    """The email must not be sent as it is, now or on a later attempt."""


@dataclass(frozen=True)
class Content:
    """What the recipient receives: the stored email with its link working."""

    subject: str
    text: str
    html: str


@dataclass
class DueRun:
    """What one sweep did, for the command's output."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed + self.interrupted


def email_deliver(*, email_id: int) -> OutgoingEmail | None:
    """Send one queued email if it is due, and record the outcome on its row.

    Returns the row as the attempt left it (sent, queued for a retry, or failed),
    or None when there was nothing to send: the email is not queued, not due
    yet, or another delivery claimed it first.
    """
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(
        pk=email_id, status=Status.QUEUED, next_attempt_at__lte=now
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return None

    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        _send(email)
    except Undeliverable as error:
        return _record_failure(email, error, final=True)
    except Exception as error:
        # Anything the backend raises (a refused connection, a timeout, a
        # rejected recipient) is one failed attempt; the row records it.
        return _record_failure(email, error)
    return _record_sent(email)


def email_deliver_due(*, limit: int = 100) -> DueRun:
    """Deliver the queued email that is due, oldest first, at most `limit` of them.

    Also gives up on email left "sending" by a worker that stopped mid-send:
    whether the server accepted it is unknown, and sending it again could send
    it twice, so it is marked failed for staff to retry by hand.
    """
    run = DueRun(interrupted=_fail_interrupted())
    _forget_expired_links()
    due = (
        OutgoingEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in list(due):
        email = email_deliver(email_id=email_id)
        if email is None:
            continue  # another worker got there first
        if email.status == Status.SENT:
            run.sent += 1
        elif email.status == Status.FAILED:
            run.failed += 1
        else:
            run.retrying += 1
    return run


def email_retry(*, email: OutgoingEmail, actor: User | None = None) -> bool:
    """Queue a failed email again, due now, with a fresh series of attempts.

    Returns False, changing nothing, when the email is not failed (it was sent,
    or is already queued or being sent).
    """
    with transaction.atomic():
        failed = (
            OutgoingEmail.objects.select_for_update()
            .filter(pk=email.pk, status=Status.FAILED)
            .only("pk", "attempts")
            .first()
        )
        if failed is None:
            return False
        now = timezone.now()
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=now, updated_at=now
        )
        # The attempts start again from zero; the entry keeps the earlier count.
        audit_record(
            action="email.retried",
            actor=actor,
            target=email,
            data={"earlier_attempts": failed.attempts},
        )
        email_enqueue_delivery(email_id=email.pk)
    email.refresh_from_db()
    logger.info("Email %s queued again by hand", email.pk)
    return True


def email_enqueue_delivery(*, email_id: int, run_after: dt.datetime | None = None) -> None:
    """Have the task queue deliver an email once the current transaction commits.

    A queue that is down must neither undo nor break the action that queued the
    email: the failure is logged, the row stays queued, and the sweeper
    (`trellis send_queued_email`) delivers it.
    """
    from trellis.mail.tasks import deliver_email  # the task module imports this one

    task_enqueue_on_commit(
        deliver_email.using(run_after=run_after) if run_after else deliver_email,
        failure=f"Could not enqueue delivery of email {email_id}; the sweeper will send it",
        email_id=email_id,
    )


def task_enqueue_on_commit(task: Task[Any, Any], *, failure: str, **kwargs: Any) -> None:
    """Enqueue the task once the current transaction commits. A queue that is
    down must not break the action that committed: it is logged as `failure`."""

    def enqueue() -> None:
        try:
            task.enqueue(**kwargs)
        except Exception:
            logger.exception(failure)

    # A named function rather than a partial: Django names the callback when it
    # logs a failing robust on_commit hook, and a partial has no name.
    transaction.on_commit(enqueue)


def email_content_as_sent(*, email: OutgoingEmail) -> Content:
    """The subject and bodies as the recipient gets them: with the link's token
    in place of its mask. Raises Undeliverable when the link no longer works."""
    expires_at = email.link_expires_at
    if expires_at is None:  # no masked link: the email as stored
        return Content(email.subject, email.body_text, email.body_html)
    if not email.link_secret or expires_at <= timezone.now():
        raise Undeliverable(LINK_GONE)
    try:
        secret = secret_open(email.link_secret)
    except InvalidToken:
        raise Undeliverable(LINK_UNREADABLE) from None
    return Content(
        subject=link_unmask(email.subject, secret=secret),
        text=link_unmask(email.body_text, secret=secret),
        html=link_unmask(email.body_html, secret=secret),
    )


def _send(email: OutgoingEmail) -> None:
    content = email_content_as_sent(email=email)
    connection = get_connection(fail_silently=False)
    # Headers are made one line again here too: rows queued before names were
    # cleaned would otherwise fail on every attempt.
    message = EmailMultiAlternatives(
        subject=header_safe(content.subject),
        body=content.text,
        from_email=header_safe(email.from_address),
        to=[email.to_address],
        reply_to=[header_safe(email.reply_to)] if email.reply_to else None,
        # The same Message-ID on every attempt lets the recipient's server and
        # support staff recognise the message whatever happened in between.
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    if content.html:
        message.attach_alternative(content.html, "text/html")
    for attachment in email.attachments.all():
        message.attach(
            header_safe(attachment.filename), bytes(attachment.content), attachment.content_type
        )

    connection.open()
    try:
        accepted = connection.send_messages([message])
    finally:
        # The message is already accepted or refused: an error while hanging
        # up must not turn a sent message into a failed one, to be sent again.
        try:
            connection.close()
        except Exception:
            logger.warning("Email %s: error closing the mail connection", email.pk, exc_info=True)
    if accepted != 1:
        raise RuntimeError("the email backend did not accept the message")


def _record_sent(email: OutgoingEmail) -> OutgoingEmail:
    now = timezone.now()
    # Whatever became of the row meanwhile (given up on as interrupted, or
    # queued again by hand), it has now been sent, and must not be sent again.
    # The link's token has reached the recipient: the outbox keeps it no longer.
    OutgoingEmail.objects.filter(pk=email.pk).exclude(status=Status.SENT).update(
        status=Status.SENT, sent_at=now, last_error="", link_secret="", updated_at=now
    )
    email.refresh_from_db()
    logger.info("Email %s sent (attempt %s)", email.pk, email.attempts)
    return email


def _record_failure(
    email: OutgoingEmail, error: Exception, *, final: bool = False
) -> OutgoingEmail:
    now = timezone.now()
    # Only the exception's own text: never the message body.
    message = str(error) if final else f"{type(error).__name__}: {error}"[:2000]
    max_attempts = settings.EMAIL_MAX_ATTEMPTS
    # A failed email keeps its link's token: staff may retry it by hand, and
    # the token is dropped when its link stops working (_forget_expired_links).
    if final or email.attempts >= max_attempts:
        status, next_attempt_at = Status.FAILED, email.next_attempt_at
    else:
        status, next_attempt_at = Status.QUEUED, now + backoff(attempts=email.attempts)
    with transaction.atomic():
        given_up = OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
            status=status, last_error=message, next_attempt_at=next_attempt_at, updated_at=now
        )
        email.refresh_from_db()
        if given_up and status == Status.FAILED:
            _inbox_failed(email)

    if email.status == Status.FAILED:
        logger.error(
            "Email %s failed on attempt %s of %s, giving up: %s",
            email.pk,
            email.attempts,
            max_attempts,
            message,
        )
    else:
        logger.warning(
            "Email %s failed on attempt %s of %s, next attempt at %s: %s",
            email.pk,
            email.attempts,
            max_attempts,
            email.next_attempt_at.isoformat(),
            message,
        )
        if _task_queue_defers():
            email_enqueue_delivery(email_id=email.pk, run_after=email.next_attempt_at)
    return email


def _inbox_failed(email: OutgoingEmail) -> None:
    """Put an email given up on in the office's inbox, in the same transaction.
    A staff notification that failed is listed but tells nobody by email: that
    email could fail in turn, and so on."""
    from trellis.inbox.models import InboxItem  # the inbox emails staff through this app
    from trellis.inbox.services import inbox_item_add

    inbox_item_add(
        kind=InboxItem.Kind.EMAIL_FAILED,
        contact=email.contact,
        email=email,
        data={
            "to": email.to_address,
            "subject": email.subject,
            "error": email.last_error[:300],
            "email_kind": email.kind,
        },
        notify=email.kind != OutgoingEmail.Kind.NOTIFICATION,
    )


def backoff(*, attempts: int) -> dt.timedelta:
    """How long to wait after the given number of failed attempts."""
    step = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return dt.timedelta(minutes=BACKOFF_MINUTES[step])


def _task_queue_defers() -> bool:
    # A backend that can run a task later is handed the retry; with one that
    # cannot (the immediate backend), the sweeper picks it up when it is due.
    from trellis.mail.tasks import deliver_email

    return bool(deliver_email.get_backend().supports_defer)


def _forget_expired_links() -> None:
    # An email given up on, or never retried, must not keep a token past the
    # time its link would have worked.
    OutgoingEmail.objects.filter(link_expires_at__lte=timezone.now()).exclude(
        link_secret=""
    ).update(link_secret="")


def _fail_interrupted() -> int:
    cutoff = timezone.now() - dt.timedelta(minutes=settings.EMAIL_SENDING_TIMEOUT_MINUTES)
    # `updated_at` is when the delivery claimed the row: nothing else writes
    # to a row while it is being sent.
    stuck = list(
        OutgoingEmail.objects.filter(status=Status.SENDING, updated_at__lt=cutoff).values_list(
            "pk", "attempts"
        )
    )
    failed = 0
    for email_id, attempts in stuck:
        with transaction.atomic():
            given_up = OutgoingEmail.objects.filter(
                pk=email_id, status=Status.SENDING, updated_at__lt=cutoff
            ).update(status=Status.FAILED, last_error=UNKNOWN_OUTCOME, updated_at=timezone.now())
            if given_up:
                _inbox_failed(OutgoingEmail.objects.get(pk=email_id))
        if not given_up:
            continue  # its delivery finished meanwhile
        failed += 1
        logger.error(
            "Email %s was left sending on attempt %s; outcome unknown, marked failed",
            email_id,
            attempts,
        )
    return failed
