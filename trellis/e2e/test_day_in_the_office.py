"""Issue 11 end to end, on the demo data: a day in the office. Maria Lopez
approves PR-5001 and opens a request in the portal; Jane Smith, who has asked
to be emailed of both at once, finds them in her inbox, answers the request
publicly, and marks both done once Maria can read the answer. And an email
that could not be delivered: Jane sees it in the inbox, retries it, and a
real SMTP server started by the test receives it."""

import email as email_parser
import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from trellis.accounts.invitations import contact_invite
from trellis.accounts.management.commands.demo_accounts import (
    CUSTOMER_PASSWORD,
    STAFF_PASSWORD,
)
from trellis.accounts.models import User
from trellis.customers.models import Contact, Property
from trellis.e2e.steps import demo_start, office_signed_in, portal_signed_in
from trellis.inbox.models import InboxItem
from trellis.issues.models import Comment, Issue
from trellis.mail.models import OutgoingEmail
from trellis.proposals.models import Proposal
from trellis.testing.smtp import free_port, smtp_backend_on, smtp_servers_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARIA = "maria.lopez@example.com"
JANE = "jane.smith@greenway.example"
JAMES = "james.oconnor@example.com"  # a demo contact with no portal account yet
SUBJECT = "Gate latch is broken"
# The inbox's headlines of what Maria did.
APPROVED = "Maria Lopez approved proposal PR-5001"
OPENED = f"Maria Lopez opened a request: “{SUBJECT}”"
REPLY = "Our crew will fix the latch on Thursday morning."


def inbox_item(page: Page, headline: str):
    """The inbox's entry whose headline is this."""
    return page.locator(".inbox-item").filter(has=page.get_by_text(headline, exact=True))


def test_a_day_in_the_office(live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo_start()
    url = live_server.url

    # In the portal: Maria approves PR-5001 with one optional item, then opens a request.
    maria = portal_signed_in(browser, url, MARIA, CUSTOMER_PASSWORD)
    maria.get_by_role("link", name="Proposals").first.click()
    maria.get_by_role("link", name="Proposal PR-5001").click()
    maria.get_by_label("Pre-emergent weed control in beds").check()
    maria.get_by_label("Your full name").fill("Maria Lopez")
    maria.get_by_label("I accept this proposal").check()
    maria.get_by_role("button", name="Approve and sign").click()
    expect(maria.get_by_text("you approved proposal PR-5001")).to_be_visible()

    maria.get_by_role("link", name="Requests").first.click()
    maria.get_by_role("link", name="New request").click()
    home = Property.objects.get(name="Lopez Residence")
    maria.get_by_label("Property").select_option(value=str(home.pk))
    maria.get_by_label("Subject").fill(SUBJECT)
    maria.get_by_label("Description").fill("The side gate will not stay shut.")
    maria.get_by_role("button", name="Send request").click()
    expect(maria.get_by_text("Your request has been sent.")).to_be_visible()
    request_page = maria.url

    # Jane asked to be emailed of both at once (the demo's choice): both went out.
    to_jane = OutgoingEmail.objects.filter(to_address=JANE).order_by("pk")
    assert [(e.subject, e.status) for e in to_jane] == [
        ("Proposal PR-5001 approved by Maria Lopez", OutgoingEmail.Status.SENT),
        (f"New request from Maria Lopez: {SUBJECT}", OutgoingEmail.Status.SENT),
    ]
    assert [m.subject for m in mail.outbox if m.to == [JANE]] == [e.subject for e in to_jane]

    # In the office: Jane's inbox shows both, with what she needs before opening them.
    jane = office_signed_in(browser, url, JANE, STAFF_PASSWORD)
    expect(jane.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    expect(inbox_item(jane, APPROVED)).to_contain_text(
        "Optional items chosen: Pre-emergent weed control in beds"
    )
    opened = inbox_item(jane, OPENED)
    expect(opened).to_contain_text("Description: The side gate will not stay shut.")

    # She opens the request from the inbox and replies publicly.
    opened.get_by_role("link", name=OPENED).click()
    expect(jane.get_by_text(SUBJECT).first).to_be_visible()
    jane.get_by_label("Your reply or note").fill(REPLY)
    jane.get_by_label("Public reply (the customer is emailed)").check()
    jane.get_by_role("button", name="Save").click()
    expect(jane.locator(".messages")).to_contain_text(
        "Your reply is in the conversation, and emailed to Maria Lopez."
    )
    conversation = jane.get_by_role("heading", name="Conversation")
    expect(jane.locator("section", has=conversation)).to_contain_text(REPLY)
    reply = Comment.objects.get(body=REPLY)
    assert reply.is_public and reply.author_user == User.objects.get(email=JANE)
    # Maria is told, with a link straight to her request.
    told = OutgoingEmail.objects.get(to_address=MARIA, about_id=reply.issue_id)
    assert told.status == OutgoingEmail.Status.SENT
    assert f"/requests/{reply.issue_id}/" in told.body_text

    # In the portal, Maria reads the answer on her request's page.
    maria.goto(request_page)
    expect(maria.get_by_text(REPLY)).to_be_visible()

    # Back in the inbox, Jane marks both done; the Done list says it was her.
    jane.goto(f"{url}/office/")
    for headline in (APPROVED, OPENED):
        inbox_item(jane, headline).get_by_role("button", name="Mark done").click()
        expect(jane.locator(".messages")).to_contain_text(f"Marked done: {headline}.")
        expect(inbox_item(jane, headline)).to_have_count(0)
    jane.get_by_role("link", name="Done", exact=True).click()
    for headline in (APPROVED, OPENED):
        expect(inbox_item(jane, headline)).to_contain_text("Done by Jane Smith")
    issue = Issue.objects.get(subject=SUBJECT)
    done = InboxItem.objects.filter(done_by__email=JANE).order_by("created_at")
    assert [(i.kind, i.proposal_id or i.issue_id) for i in done] == [
        (InboxItem.Kind.PROPOSAL_APPROVED, Proposal.objects.get(number="PR-5001").pk),
        (InboxItem.Kind.REQUEST_OPENED, issue.pk),
    ]


@pytest.fixture
def smtp_server_later(settings):
    """Email goes by SMTP to a port where nothing listens yet, each email given
    up on at its first failed attempt; calling the fixture starts an SMTP
    server there and returns what it receives."""
    port = free_port()
    smtp_backend_on(settings, port)
    settings.EMAIL_MAX_ATTEMPTS = 1
    yield from smtp_servers_on(port)


def test_a_failed_email_is_retried_from_the_inbox_and_reaches_the_smtp_server(
    live_server, browser, smtp_server_later
):
    demo_start()
    url = live_server.url
    jane_user = User.objects.get(email=JANE)
    james = Contact.objects.get(email=JAMES)

    # Jane invites James to the portal while the mail server is down: the one
    # attempt allowed fails, and the email is given up on.
    invitation = contact_invite(contact=james, invited_by=jane_user)
    failed = OutgoingEmail.objects.get(pk=invitation.email_id)
    assert failed.status == OutgoingEmail.Status.FAILED
    assert failed.last_error.startswith("ConnectionRefusedError")

    jane = office_signed_in(browser, url, JANE, STAFF_PASSWORD)
    headline = f"An email to {JAMES} could not be delivered"
    item = inbox_item(jane, headline)
    expect(item).to_contain_text(f"Subject: {failed.subject}")
    expect(item).to_contain_text("Error: ConnectionRefusedError")

    # The mail server is back. Jane opens the email from the inbox and retries it.
    smtp = smtp_server_later()
    item.get_by_role("link", name=headline).click()
    expect(jane.get_by_text("Failed", exact=True)).to_be_visible()
    jane.get_by_role("button", name="Retry sending").click()
    expect(jane.locator(".messages")).to_contain_text(f"Sending again to {JAMES}: Sent.")
    expect(jane.get_by_role("button", name="Retry sending")).to_have_count(0)

    assert len(smtp.envelopes) == 1
    received = smtp.envelopes[0]
    assert received.rcpt_tos == [JAMES]
    message = email_parser.message_from_bytes(received.original_content)
    assert message["Subject"] == failed.subject
    assert message["Message-ID"] == failed.message_id
    # What arrived has the link that works, where the outbox keeps a mask.
    text = message.get_payload(0).get_payload(decode=True).decode()
    link = re.search(r"https?://\S+(/invitation/\S+/)", text)
    assert link is not None and link[1] not in failed.body_text
    james_page = browser.new_context(locale="en-US").new_page()
    james_page.goto(f"{url}{link[1]}")
    expect(james_page.get_by_role("heading", name="Create your account")).to_be_visible()
    james_page.context.close()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (
        OutgoingEmail.Status.SENT,
        1,
        "",
    )
