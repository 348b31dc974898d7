"""The outbox in the back office: every message, per contact, with its status."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.mail.services import Attachment
from trellis.mail.tests.emails import queue_email
from trellis.testing.factories import ContactFactory, InvoiceFactory, StaffFactory

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
LIST = reverse("admin:mail_outgoingemail_changelist")


def detail(email):
    return reverse("admin:mail_outgoingemail_change", args=[email.pk])


def failed_email(**fields):
    email = queue_email(**fields)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=8, last_error="ConnectionRefusedError: refused"
    )
    return email


def test_staff_see_every_email_with_its_status_attempts_and_error(office):
    failed_email(subject="Your invitation")

    page = office.get(LIST).content.decode()

    assert "Your invitation" in page
    assert "Failed (8 attempts)" in page
    assert "ConnectionRefusedError: refused" in page


def test_the_list_filtered_by_contact_shows_only_that_contacts_emails(office):
    alice = ContactFactory(first_name="Alice", last_name="Arnold")
    queue_email(contact=alice, subject="For Alice")
    queue_email(subject="For someone else")

    page = office.get(LIST, {"contact": alice.pk}).content.decode()

    assert "For Alice" in page
    assert "For someone else" not in page
    assert "Alice Arnold" in page


def test_the_list_runs_as_many_queries_for_fifteen_emails_as_for_three(office):
    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            assert office.get(LIST).status_code == 200
        return len(queries)

    for _ in range(3):
        queue_email(about=InvoiceFactory())
    with_three = queries_for_list()
    for _ in range(12):
        queue_email(about=InvoiceFactory())

    assert queries_for_list() == with_three


def test_staff_search_emails_by_contact_name(office):
    queue_email(contact=ContactFactory(first_name="Zebedee"), subject="Found")
    queue_email(subject="Not found")

    page = office.get(LIST, {"q": "zebedee"}).content.decode()

    assert "Found" in page
    assert "Not found" not in page


def test_staff_open_an_email_and_can_follow_its_links(office):
    email = queue_email(
        text="Accept: https://portal.example/invitation/abc123/",
        html='<html><head></head><body><a href="https://portal.example/x">Go</a>'
        "<script>alert(1)</script></body></html>",
        attachments=[Attachment(filename="INV-1.pdf", content=b"%PDF")],
    )

    page = office.get(detail(email)).content.decode()

    assert email.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    assert '<a href="https://portal.example/invitation/abc123/"' in page
    [iframe] = re.findall(r"<iframe[^>]*>", page)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in iframe
    assert "allow-scripts" not in iframe
    assert "allow-same-origin" not in iframe
    # The HTML is only ever inside the attribute, escaped; its links open outside.
    assert "<script>" not in page.split("<iframe", 1)[1].split("</iframe>")[0]
    assert "&lt;base target=&quot;_blank&quot;&gt;" in iframe
    assert "INV-1.pdf" in page


def test_staff_download_an_attachment(office):
    email = queue_email(attachments=[Attachment(filename="INV-1.pdf", content=b"%PDF-1.7")])
    attachment = email.attachments.get()

    response = office.get(
        reverse("admin:mail_outgoingemail_attachment", args=[email.pk, attachment.pk])
    )

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-1.pdf"'


def test_an_attachment_is_found_only_under_its_own_email(office):
    email = queue_email(attachments=[Attachment(filename="INV-1.pdf", content=b"%PDF")])
    other = queue_email()
    attachment = email.attachments.get()

    url = reverse("admin:mail_outgoingemail_attachment", args=[other.pk, attachment.pk])
    assert office.get(url).status_code == 404


def test_nobody_adds_edits_or_deletes_an_email_in_the_office(office):
    email = queue_email(subject="As sent")

    assert office.get(reverse("admin:mail_outgoingemail_add")).status_code == 403
    office.post(detail(email), {"subject": "Changed", "to_address": "x@example.com"})
    delete = reverse("admin:mail_outgoingemail_delete", args=[email.pk])
    assert office.post(delete, {"post": "yes"}).status_code == 403

    email.refresh_from_db()
    assert email.subject == "As sent"


def test_the_retry_action_sends_failed_emails_again(
    office, locmem_email, django_capture_on_commit_callbacks
):
    email = failed_email()

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            LIST, {"action": "retry_sending", "_selected_action": [email.pk]}, follow=True
        )

    assert "1 email queued to send again." in response.content.decode()
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == Status.SENT


def test_the_retry_action_leaves_an_email_that_has_not_failed_alone(office, locmem_email):
    email = queue_email()

    response = office.post(
        LIST, {"action": "retry_sending", "_selected_action": [email.pk]}, follow=True
    )

    assert "1 email was not failed" in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 0)


def test_staff_who_may_only_view_emails_are_not_offered_a_retry(client, locmem_email):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client.force_login(viewer)
    email = failed_email()

    assert "retry_sending" not in client.get(LIST).content.decode()
    client.post(LIST, {"action": "retry_sending", "_selected_action": [email.pk]})

    email.refresh_from_db()
    assert email.status == Status.FAILED


def retry_url(email):
    return reverse("admin:mail_outgoingemail_retry", args=[email.pk])


def test_a_failed_emails_page_retries_it_with_one_button(
    office, locmem_email, django_capture_on_commit_callbacks
):
    email = failed_email()
    page = office.get(detail(email)).content.decode()
    assert f'action="{retry_url(email)}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(retry_url(email), follow=True)

    assert f"Sending again to {email.to_address}" in response.content.decode()
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert f'action="{retry_url(email)}"' not in office.get(detail(email)).content.decode()


def test_the_retry_button_leaves_an_email_that_has_not_failed_alone(office, locmem_email):
    email = queue_email()
    assert f'action="{retry_url(email)}"' not in office.get(detail(email)).content.decode()

    response = office.post(retry_url(email), follow=True)

    assert "only failed email is retried" in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 0)


def test_staff_who_may_only_view_emails_have_no_retry_button_and_cannot_post_it(
    client, locmem_email
):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client.force_login(viewer)
    email = failed_email()

    assert f'action="{retry_url(email)}"' not in client.get(detail(email)).content.decode()
    assert client.post(retry_url(email)).status_code == 403
    assert client.get(retry_url(email)).status_code == 405
    email.refresh_from_db()
    assert email.status == Status.FAILED


# The company's templates exist from the start (trellis.mail.compose).


def test_staff_edit_the_subject_and_body_of_an_email_template(office):
    template = EmailTemplate.objects.get(kind="invitation", language="en")
    url = reverse("admin:mail_emailtemplate_change", args=[template.pk])

    response = office.post(
        url,
        {
            "kind": "invitation",
            "language": "en",
            "subject": "New",
            "body": "Hi {first_name}: {invitation_link}",
        },
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.body) == ("New", "Hi {first_name}: {invitation_link}")


def test_a_template_with_an_unknown_fill_in_field_or_no_link_is_refused(office):
    template = EmailTemplate.objects.get(kind="invitation", language="en")
    url = reverse("admin:mail_emailtemplate_change", args=[template.pk])

    response = office.post(
        url, {"kind": "invitation", "language": "en", "subject": "Hi {firstname}", "body": "Hi"}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Unknown fill-in field: {firstname}." in errors["subject"][0]
    assert errors["body"] == ["The body must contain {invitation_link}."]


def test_a_second_template_for_the_same_kind_and_language_is_refused(office):
    response = office.post(
        reverse("admin:mail_emailtemplate_add"),
        {"kind": "invitation", "language": "es", "subject": "Otra", "body": "Otra"},
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert EmailTemplate.objects.filter(language="es").count() == 1
