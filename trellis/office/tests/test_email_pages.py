"""The outbox in the office: every email with its delivery, filtered and searched;
one email with its headers, its preview across the page and its attachments."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.mail.links import MASK
from trellis.mail.models import OutgoingAttachment, OutgoingEmail
from trellis.mail.services import Attachment
from trellis.mail.tests.emails import queue_email
from trellis.office.pages import contact_url
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
LIST = reverse("office:emails")


def page_of(email):
    return reverse("office:email", args=[email.pk])


def attachment_url(email, attachment):
    return reverse("office:email-attachment", args=[email.pk, attachment.pk])


def failed_email(error="ConnectionRefusedError: refused\nat line 2 of the trace", **fields):
    email = queue_email(**fields)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.FAILED, attempts=8, last_error=error
    )
    email.refresh_from_db()
    return email


def sent_email(**fields):
    email = queue_email(**fields)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, attempts=1, sent_at=timezone.now()
    )
    return email


def many_emails(n, contacts):
    """n emails in one query, to a handful of contacts (and some to none), of every status."""
    now = timezone.now()
    statuses = [Status.QUEUED, Status.SENDING, Status.SENT, Status.FAILED]
    OutgoingEmail.objects.bulk_create(
        OutgoingEmail(
            kind=OutgoingEmail.Kind.NOTIFICATION,
            to_address=f"someone{i}@example.com",
            from_address="portal@greenway.example",
            subject=f"Message {i}",
            body_text="Hello",
            message_id=f"<{i}.{now.timestamp()}@greenway.example>",
            contact=contacts[i % len(contacts)] if i % 3 else None,
            status=(status := statuses[i % 4]),
            attempts=i % 4,
            last_error="SMTPRecipientsRefused: no such user" if status == Status.FAILED else "",
            sent_at=now if status == Status.SENT else None,
            created_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    )


def rows_of(page):
    return re.findall(r'<tr id="email-(\d+)">', page)


# The list ----------------------------------------------------------------------------


def test_the_outbox_shows_each_email_newest_first_with_its_delivery(office):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    older = sent_email(contact=maria, subject="Your invoice INV-1")
    newer = queue_email(subject="Your Greenway Landscaping portal")

    page = office.get(LIST).content.decode()

    assert rows_of(page) == [str(newer.pk), str(older.pk)]
    assert "Maria Lopez" in page and "maria@example.com" in page
    assert f'<a href="{page_of(older)}">Your invoice INV-1</a>' in page
    assert "Portal invitation" in page
    assert '<span class="badge ok">Sent</span>' in page
    assert '<span class="badge">Queued</span>' in page


def test_the_contacts_name_leads_to_the_contacts_page(office):
    maria = ContactFactory(first_name="Maria", last_name="Lopez")
    queue_email(contact=maria)

    page = office.get(LIST).content.decode()

    assert f'<a href="{contact_url(maria.pk)}">Maria Lopez</a>' in page


def test_a_failed_email_shows_the_first_line_of_its_error(office):
    failed_email(subject="Could not go")

    page = office.get(LIST).content.decode()

    assert '<span class="badge bad">Failed</span>' in page
    assert "ConnectionRefusedError: refused" in page
    assert "at line 2 of the trace" not in page


def test_the_failed_filter_link_counts_failed_email_and_shows_only_it(office):
    failed_email(subject="First failure")
    failed_email(subject="Second failure")
    sent_email(subject="Went out")

    page = office.get(LIST).content.decode()
    assert f'<a href="{LIST}?status=failed">Failed (2)</a>' in page
    assert "Queued (0)" in page

    failed = office.get(LIST, {"status": "failed"}).content.decode()
    assert "First failure" in failed and "Second failure" in failed
    assert "Went out" not in failed
    assert 'aria-current="page">Failed (2)</a>' in failed


def test_the_status_counts_follow_the_other_filters(office):
    failed_email(subject="Invitation failed")
    failed_email(kind=OutgoingEmail.Kind.RECEIPT, subject="Receipt failed")

    page = office.get(LIST, {"kind": "receipt"}).content.decode()

    assert "Failed (1)" in page
    # The status links keep the kind chosen.
    assert f'href="{LIST}?kind=receipt&amp;status=failed"' in page


def test_staff_filter_the_outbox_by_kind(office):
    queue_email(subject="An invitation")
    queue_email(kind=OutgoingEmail.Kind.RECEIPT, subject="A receipt")

    page = office.get(LIST, {"kind": "receipt"}).content.decode()

    assert "A receipt" in page
    assert "An invitation" not in page
    assert '<option value="receipt" selected>' in page


@pytest.mark.parametrize("search", ["zeb@example", "ZEBEDEE", "spring clean"])
def test_staff_search_the_outbox_by_address_name_or_subject(office, search):
    zebedee = ContactFactory(first_name="Zebedee", email="zeb@example.com")
    queue_email(contact=zebedee, subject="Spring clean-up")
    queue_email(subject="Not this one")

    page = office.get(LIST, {"q": search}).content.decode()

    assert "Spring clean-up" in page
    assert "Not this one" not in page


def test_the_outbox_of_one_contact_shows_only_their_email(office):
    alice = ContactFactory(first_name="Alice", last_name="Arnold")
    queue_email(contact=alice, subject="For Alice")
    queue_email(subject="For someone else")

    page = office.get(LIST, {"contact": alice.pk}).content.decode()

    assert "For Alice" in page
    assert "For someone else" not in page
    assert "Email to or about" in page and "Alice Arnold" in page
    assert f'<a href="{LIST}">Every contact\'s email</a>' in page


def test_unknown_filters_are_ignored(office):
    queue_email(subject="Still listed")

    page = office.get(LIST, {"status": "lost", "kind": "spam", "contact": "x"}).content.decode()

    assert "Still listed" in page


def test_the_outbox_is_paginated(office):
    many_emails(60, [ContactFactory()])

    first = office.get(LIST).content.decode()
    second = office.get(LIST, {"page": 2}).content.decode()

    assert len(rows_of(first)) == 50
    assert len(rows_of(second)) == 10
    assert "Page 1 of 2" in first


def test_the_outbox_runs_as_many_queries_for_500_emails_as_for_5(office):
    contacts = [ContactFactory() for _ in range(5)]

    assert_queries_do_not_grow(office, LIST, add_rows=lambda n: many_emails(n, contacts))


def test_the_filtered_outbox_runs_as_many_queries_for_500_emails_as_for_5(office):
    contacts = [ContactFactory() for _ in range(5)]
    url = f"{LIST}?status=failed&kind=notification&q=someone"

    assert_queries_do_not_grow(office, url, add_rows=lambda n: many_emails(n, contacts))


# One email ---------------------------------------------------------------------------


def test_an_emails_page_shows_its_headers_and_delivery(office):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    email = failed_email(contact=maria, subject="Your portal")

    page = office.get(page_of(email)).content.decode()

    assert "&quot;Jane Smith via Greenway Landscaping&quot; &lt;portal@greenway.example&gt;" in page
    assert "jane@greenway.example" in page
    assert f'<a href="{contact_url(maria.pk)}">Maria Lopez</a>' in page
    assert "maria@example.com" in page
    assert email.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    assert '<span class="badge bad">Failed</span>' in page
    # The whole error, on the email's own page.
    assert "ConnectionRefusedError: refused\nat line 2 of the trace" in page
    assert "This email could not be delivered" in page


def test_the_preview_is_sandboxed_across_the_page_with_the_text_below(office):
    email = queue_email(
        text="Accept: https://portal.example/invitation/abc123/",
        html='<html><head></head><body><a href="https://portal.example/x">Go</a>'
        "<script>alert(1)</script></body></html>",
    )

    response = office.get(page_of(email))
    page = response.content.decode()

    [iframe] = re.findall(r"<iframe[^>]*>", page)
    assert 'class="email-preview"' in iframe
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in iframe
    assert 'referrerpolicy="no-referrer"' in iframe
    assert "allow-scripts" not in iframe and "allow-same-origin" not in iframe
    # The HTML is only ever inside the attribute, escaped; its links open outside.
    assert "<script>" not in page.split("<iframe", 1)[1].split("</iframe>")[0]
    assert "&lt;base target=&quot;_blank&quot;&gt;" in iframe
    # Full width: the shared frame style (100% of the page), outside the two panels.
    assert "office/email_preview.css" in page
    assert page.index("<iframe") > page.index('<h2 id="email-html">')
    assert page.index('<h2 id="email-html">') > page.rindex('class="panel"')
    # The frame runs under the page's policy: no script, never framed elsewhere.
    policy = dict(
        (name, sources)
        for name, *sources in (d.split() for d in response["Content-Security-Policy"].split(";"))
    )
    assert policy["default-src"] == policy["script-src"][:1] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    # The text part comes after the frame, its links clickable.
    assert page.index('<h2 id="email-text">') > page.index("<iframe")
    assert '<a href="https://portal.example/invitation/abc123/"' in page


def test_an_email_without_html_says_so(office):
    email = queue_email(html="")

    page = office.get(page_of(email)).content.decode()

    assert "<iframe" not in page
    assert "This email has no HTML version." in page


def test_an_invitations_link_shows_masked_and_says_where_the_working_one_went(office):
    token = "q7Xb2-kLm9_Rt4VwZp0sYc8NdE1fGh3jKa5uBn6TiOo"
    link = f"https://portal.example/invitation/{token}/"
    email = queue_email(
        subject=f"Your link {link}",
        text=f"Accept your invitation: {link}",
        html=f'<p><a href="{link}">Accept</a></p>',
        link_secret=token,
        link_expires_at=timezone.now() + timedelta(days=7),
    )

    page = office.get(page_of(email)).content.decode()

    assert token not in page
    assert f"https://portal.example/invitation/{MASK}/" in page
    # The mask leads nowhere, so the text part does not make it a link.
    text_part = page.split('<h2 id="email-text">')[1]
    assert f"https://portal.example/invitation/{MASK}/" in text_part
    assert f'href="https://portal.example/invitation/{MASK}/"' not in text_part
    assert f"the link that works went only to {email.to_address}." in page
    assert token not in office.get(LIST).content.decode()


def test_a_missing_email_is_not_found(office):
    assert office.get(reverse("office:email", args=[999999])).status_code == 404


def test_an_emails_page_lists_its_attachments_as_downloads(office):
    email = queue_email(attachments=[Attachment(filename="INV-1.pdf", content=b"%PDF-1.7")])
    attachment = email.attachments.get()

    page = office.get(page_of(email)).content.decode()

    assert f'<a href="{attachment_url(email, attachment)}" download>INV-1.pdf</a>' in page
    assert "application/pdf" in page
    assert "8\xa0bytes" in page


def test_the_email_page_runs_as_many_queries_for_500_attachments_as_for_5(office):
    email = failed_email()

    def add_attachments(n):
        OutgoingAttachment.objects.bulk_create(
            OutgoingAttachment(
                email=email, filename=f"photo-{i}.png", content_type="image/png", content=b"x"
            )
            for i in range(n)
        )

    assert_queries_do_not_grow(office, page_of(email), add_rows=add_attachments)


# Attachments -------------------------------------------------------------------------


def test_staff_download_an_attachment(office):
    email = queue_email(attachments=[Attachment(filename="INV-1.pdf", content=b"%PDF-1.7")])
    attachment = email.attachments.get()

    response = office.get(attachment_url(email, attachment))

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/xml"])
def test_an_attachment_a_browser_could_run_downloads_as_bytes(office, content_type):
    email = queue_email(
        attachments=[
            Attachment(filename="page.html", content=b"<script>", content_type=content_type)
        ]
    )
    attachment = email.attachments.get()

    response = office.get(attachment_url(email, attachment))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'


def test_an_attachment_is_found_only_under_its_own_email(office):
    email = queue_email(attachments=[Attachment(filename="INV-1.pdf", content=b"%PDF")])
    other = queue_email()
    attachment = email.attachments.get()

    assert office.get(attachment_url(other, attachment)).status_code == 404
