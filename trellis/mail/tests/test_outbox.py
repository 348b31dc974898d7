"""An email is a row first, created with the action, and delivered after commit."""

import pytest
from django.core import mail
from django.db import transaction

from trellis.mail.models import OutgoingEmail
from trellis.mail.services import Attachment
from trellis.mail.tests.emails import queue_email

pytestmark = pytest.mark.django_db


class ActionFailed(Exception):
    pass


def test_an_email_queued_in_a_transaction_that_rolls_back_leaves_no_row_and_sends_nothing(
    locmem_email, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ActionFailed),
        transaction.atomic(),
    ):
        queue_email()
        raise ActionFailed

    assert callbacks == []
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_an_email_is_delivered_once_its_transaction_commits(
    locmem_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(
            attachments=[Attachment(filename="INV-00042.pdf", content=b"%PDF-1.7 invoice")]
        )

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert email.last_error == ""
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.from_email == '"Jane Smith via Greenway Landscaping" <portal@greenway.example>'
    assert sent.to == [email.to_address]
    assert sent.reply_to == ["jane@greenway.example"]
    assert sent.subject == "Your Greenway Landscaping portal"
    assert sent.body == email.body_text
    assert sent.alternatives == [(email.body_html, "text/html")]
    assert sent.attachments == [("INV-00042.pdf", b"%PDF-1.7 invoice", "application/pdf")]
    headers = sent.message()
    assert headers["Message-ID"] == email.message_id
    assert headers["Reply-To"] == "jane@greenway.example"


def test_nothing_is_sent_before_the_transaction_commits(locmem_email):
    email = queue_email()

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 0
    assert mail.outbox == []


def test_an_email_without_html_is_sent_as_plain_text(
    locmem_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(html="")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives == []
