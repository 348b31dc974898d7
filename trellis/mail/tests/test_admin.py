"""The outbox beside the office's own pages (trellis/office/tests/test_email_*.py):
how many attempts a failed email took, templates held once per kind and
language, and email as the record of what was sent, which even the superuser's
raw data does not change."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.mail.tests.emails import queue_email

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status


@pytest.fixture
def superuser(client, staff):
    """Jane, a superuser, reading the raw data in Django's admin."""
    assert staff.is_superuser
    client.force_login(staff)
    return client


def test_the_outbox_shows_a_failed_emails_status_attempts_and_error(office):
    email = queue_email(subject="Your invitation")
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=8, last_error="ConnectionRefusedError: refused"
    )

    page = office.get(reverse("office:emails")).content.decode()

    [row] = re.findall(rf'<tr id="email-{email.pk}">(.*?)</tr>', page, re.S)
    assert "Your invitation" in row
    assert '<span class="badge bad">Failed</span>' in row
    assert "ConnectionRefusedError: refused" in row
    assert '<td class="number">8</td>' in row


# The company's templates exist from the start (trellis.mail.compose); the
# office changes them and adds none.


def test_a_second_template_for_the_same_kind_and_language_is_refused():
    template = EmailTemplate.objects.get(kind="invitation", language="en")

    with pytest.raises(IntegrityError), transaction.atomic():
        EmailTemplate.objects.create(
            kind=template.kind, language=template.language, subject="Other", body="Other"
        )


def test_nobody_adds_edits_or_deletes_an_email_even_in_the_raw_data(superuser):
    email = queue_email(subject="As sent")

    assert superuser.get(reverse("admin:mail_outgoingemail_add")).status_code == 403
    change = reverse("admin:mail_outgoingemail_change", args=[email.pk])
    superuser.post(change, {"subject": "Changed", "to_address": "x@example.com"})
    delete = reverse("admin:mail_outgoingemail_delete", args=[email.pk])
    assert superuser.post(delete, {"post": "yes"}).status_code == 403

    email.refresh_from_db()
    assert email.subject == "As sent"
