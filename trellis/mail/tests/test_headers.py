"""Headers built from what people typed are one line: a line break in a staff
member's name, a request's subject or a file name neither stops the email
from being sent nor adds a header of its own."""

import email as email_parser
from email.policy import default as default_policy

import pytest
from django.core import mail
from django.urls import reverse

from trellis.accounts.invitations import contact_invite
from trellis.mail.compose import compose_from_files
from trellis.mail.delivery import email_deliver
from trellis.mail.headers import header_safe
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import Attachment
from trellis.mail.tests.emails import queue_email
from trellis.mail.tests.test_smtp_delivery import smtp_port, start_smtp_server  # noqa: F401
from trellis.testing.factories import ContactFactory, StaffFactory
from trellis.testing.mail import path_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "safe"),
    [
        ("Jane\nSmith", "Jane Smith"),
        ("Jane\r\nBcc: someone@example.com", "Jane Bcc: someone@example.com"),
        ("Jane\x00\x1b[31mSmith", "Jane [31mSmith"),
        ("Jane\u2028Smith\u0085Jr", "Jane Smith Jr"),
        ("  José   Núñez\t", "José Núñez"),
    ],
)
def test_header_values_lose_line_breaks_and_control_characters(typed, safe):
    assert header_safe(typed) == safe


@pytest.fixture
def greenway(greenway):
    """A company name with a line break in it, as typed into the office."""
    greenway.name = "Greenway\nLandscaping"
    greenway.save()
    return greenway


def test_an_invitation_from_a_staff_member_with_a_line_break_in_the_name_is_delivered(
    greenway,
    start_smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
    client,
):
    inbox = start_smtp_server()
    staff = StaffFactory(
        email="jane@greenway.example",
        first_name="Jane\r\nBcc: someone@example.com",
        last_name="Smith",
        is_superuser=True,
    )
    maria = ContactFactory(first_name="Maria", email="maria@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        invitation = contact_invite(contact=maria, invited_by=staff)

    invitation.email.refresh_from_db()
    assert invitation.email.status == OutgoingEmail.Status.SENT
    [received] = inbox.envelopes
    assert received.rcpt_tos == ["maria@example.com"]
    message = email_parser.message_from_bytes(received.original_content, policy=default_policy)
    assert message["From"] == (
        '"Jane Bcc: someone@example.com Smith via Greenway Landscaping" <jane@greenway.example>'
    )
    assert message["Bcc"] is None
    assert message["Subject"] == (
        "Jane Bcc: someone@example.com Smith invited you to the Greenway Landscaping "
        "customer portal"
    )
    # What arrived holds a link that works (an unknown or dead one answers 404).
    assert client.get(path_of(_first_link(message))).status_code == 200


def _first_link(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    return next(word for word in text.split() if word.startswith("http"))


def test_a_subject_built_from_a_request_title_is_one_line(greenway):
    composed = compose_from_files(
        name="request_opened",
        language="en",
        company=greenway,
        context={
            "contact": ContactFactory(first_name="Maria", last_name="Lopez"),
            "issue": type("Issue", (), {"subject": "Leak\r\nBcc: x@example.com"})(),
        },
    )
    assert composed.subject == "New request from Maria Lopez: Leak Bcc: x@example.com"


def test_an_attachment_named_with_a_line_break_is_sent_and_downloads(office, locmem_email):
    email = queue_email(
        attachments=[Attachment(filename="Invoice\r\nINV-1.pdf", content=b"%PDF-1.7")]
    )
    attachment = email.attachments.get()

    email_deliver(email_id=email.pk)
    response = office.get(reverse("office:email-attachment", args=[email.pk, attachment.pk]))

    assert mail.outbox[0].attachments[0][0] == "Invoice INV-1.pdf"
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Invoice INV-1.pdf"'


def test_an_email_queued_before_names_were_cleaned_is_still_delivered(locmem_email):
    email = queue_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        from_address='"Jane\nSmith via Greenway" <portal@greenway.example>',
        subject="Your\ninvitation",
    )

    email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert mail.outbox[0].subject == "Your invitation"
    assert mail.outbox[0].from_email == '"Jane Smith via Greenway" <portal@greenway.example>'
