"""Retry sending: a failed email's page sends it again with one button, for staff
who may change email; anything but a failed email is left as it was."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email
from trellis.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
RETRY_BUTTON = '<button type="submit" class="button">Retry sending</button>'


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def page_of(email):
    return reverse("office:email", args=[email.pk])


def retry_url(email):
    return reverse("office:email-retry", args=[email.pk])


def failed_email():
    email = queue_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=8, last_error="ConnectionRefusedError: refused"
    )
    return email


def staff_who_may(*codenames):
    member = StaffFactory(first_name="Kevin", last_name="Park")
    member.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return member


def test_a_failed_emails_page_retries_it_with_one_button(
    office, django_capture_on_commit_callbacks
):
    email = failed_email()
    page = office.get(page_of(email)).content.decode()
    assert f'<form method="post" action="{retry_url(email)}" id="email-retry">' in page
    assert RETRY_BUTTON in page

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(retry_url(email))

    assert response.status_code == 302
    assert response["Location"] == page_of(email)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 1)
    shown = office.get(page_of(email)).content.decode()
    # Queued here: the test's transaction sends it only once the view has answered.
    assert f"Sending again to {email.to_address}: Queued." in shown
    assert RETRY_BUTTON not in shown


def test_a_retry_is_kept_in_the_emails_history(office, staff):
    email = failed_email()

    office.post(retry_url(email))

    entry = AuditEntry.objects.get(action="email.retried", target_id=str(email.pk))
    assert (entry.actor, entry.data) == (staff, {"earlier_attempts": 8})
    page = office.get(page_of(email)).content.decode()
    assert "Retried by hand" in page
    assert f"by {staff.get_full_name()}, after 8 attempts" in page


def test_an_email_that_has_not_failed_is_not_retried(office):
    email = queue_email()
    assert RETRY_BUTTON not in office.get(page_of(email)).content.decode()

    response = office.post(retry_url(email), follow=True)

    assert response.redirect_chain == [(page_of(email), 302)]
    assert "only failed email is retried" in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 0)
    assert not AuditEntry.objects.filter(action="email.retried").exists()


def test_staff_who_may_change_email_retry_it(client):
    client.force_login(staff_who_may("view_outgoingemail", "change_outgoingemail"))
    email = failed_email()

    assert RETRY_BUTTON in client.get(page_of(email)).content.decode()
    assert client.post(retry_url(email)).status_code == 302

    email.refresh_from_db()
    assert email.status != Status.FAILED


def test_staff_who_may_only_see_email_have_no_retry_button_and_cannot_post_it(client):
    client.force_login(staff_who_may("view_outgoingemail"))
    email = failed_email()

    assert RETRY_BUTTON not in client.get(page_of(email)).content.decode()
    assert client.post(retry_url(email)).status_code == 403
    assert client.get(retry_url(email)).status_code == 405
    email.refresh_from_db()
    assert email.status == Status.FAILED


def test_retrying_a_missing_email_is_not_found(office):
    assert office.post(reverse("office:email-retry", args=[999999])).status_code == 404
