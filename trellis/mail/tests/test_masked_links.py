"""An email whose link lets someone in is stored with the link masked: its
token waits beside it, encrypted, until the email is delivered, and only the
delivered message holds a link that works."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from trellis.mail.delivery import LINK_GONE, LINK_UNREADABLE, email_deliver, email_deliver_due
from trellis.mail.links import MASK
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_links_forget
from trellis.mail.tests.emails import queue_email

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
TOKEN = "q7Xb2-kLm9_Rt4VwZp0sYc8NdE1fGh3jKa5uBn6TiOo"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LINK = f"https://portal.example/invitation/{TOKEN}/"


@pytest.fixture
def now(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def queue_invitation(**overrides):
    return queue_email(
        subject=f"Your link {LINK}",
        text=f"Accept your invitation: {LINK}",
        html=f'<p><a href="{LINK}">Accept</a> or open {LINK}</p>',
        link_secret=TOKEN,
        link_expires_at=START + dt.timedelta(days=7),
        **overrides,
    )


def stored_text(email):
    row = OutgoingEmail.objects.filter(pk=email.pk).values().get()
    return " ".join(str(value) for value in row.values())


def test_the_outbox_keeps_the_link_masked_and_its_token_only_encrypted(now):
    email = queue_invitation()

    email.refresh_from_db()
    masked = f"https://portal.example/invitation/{MASK}/"
    assert email.subject == f"Your link {masked}"
    assert email.body_text == f"Accept your invitation: {masked}"
    assert email.body_html == f'<p><a href="{masked}">Accept</a> or open {masked}</p>'
    assert email.link_secret
    assert TOKEN not in stored_text(email)


def test_the_delivered_message_has_the_working_link_and_the_outbox_then_forgets_it(
    now, locmem_email
):
    email = queue_invitation()

    email_deliver(email_id=email.pk)

    [message] = mail.outbox
    assert message.subject == f"Your link {LINK}"
    assert message.body == f"Accept your invitation: {LINK}"
    assert message.alternatives[0][0] == f'<p><a href="{LINK}">Accept</a> or open {LINK}</p>'
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.link_secret == ""
    assert MASK in email.body_text


def test_a_failed_attempt_keeps_the_token_so_the_retry_sends_the_working_link(
    now, failing_email, settings
):
    email = queue_invitation()
    email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == Status.QUEUED
    assert email.link_secret

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now.move_to(START + dt.timedelta(minutes=1), tick=False)
    assert email_deliver_due().sent == 1

    assert mail.outbox[0].body == f"Accept your invitation: {LINK}"


def test_an_email_whose_link_stopped_working_is_not_sent_and_says_why(now, locmem_email):
    email = queue_invitation()
    email_links_forget(email_ids=[email.pk])

    email_deliver(email_id=email.pk)

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.FAILED, 1, LINK_GONE)


def test_an_email_is_not_sent_after_its_link_expired_and_the_sweeper_forgets_the_token(
    now, failing_email
):
    email = queue_invitation()
    email_deliver(email_id=email.pk)
    now.move_to(START + dt.timedelta(days=7), tick=False)

    email_deliver_due()

    email.refresh_from_db()
    assert (email.status, email.last_error, email.link_secret) == (Status.FAILED, LINK_GONE, "")


def test_rotating_secret_key_with_the_old_one_as_a_fallback_loses_no_queued_link(
    now, locmem_email, settings
):
    email = queue_invitation()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret key of a good length, for the test" * 2

    email_deliver(email_id=email.pk)

    assert mail.outbox[0].body == f"Accept your invitation: {LINK}"


def test_a_secret_key_changed_without_a_fallback_fails_the_email_in_words(
    now, locmem_email, settings
):
    email = queue_invitation()
    settings.SECRET_KEY = "a new secret key of a good length, for the test" * 2

    email_deliver(email_id=email.pk)

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.last_error) == (Status.FAILED, LINK_UNREADABLE)


def test_an_email_without_a_secret_is_stored_and_sent_as_written(now, locmem_email):
    email = queue_email()

    email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert MASK not in email.body_text
    assert mail.outbox[0].body == email.body_text


def test_the_office_shows_the_masked_link_and_says_where_the_working_one_went(office, now):
    email = queue_invitation()

    page = office.get(reverse("office:email", args=[email.pk])).text

    assert TOKEN not in page
    assert f"https://portal.example/invitation/{MASK}/" in page
    text_part = page.split('<h2 id="email-text">')[1]
    assert f'href="https://portal.example/invitation/{MASK}/"' not in text_part
    assert (
        f"The link in this email is shown here as {MASK}: the link that works went only to "
        f"{email.to_address}. To help the customer in, send them a new invitation or "
        "password reset from their contact's page." in page
    )
    assert TOKEN not in office.get(reverse("office:emails")).text


def test_the_superusers_raw_data_never_shows_the_working_link(client, staff, now):
    email = queue_invitation()
    assert staff.is_superuser
    client.force_login(staff)

    pages = [
        reverse("admin:mail_outgoingemail_change", args=[email.pk]),
        reverse("admin:mail_outgoingemail_changelist"),
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        assert TOKEN not in response.text
