"""The buttons on a request's page: reply or note, Start / Close / Reopen,
Include Client, and the assignee; each for staff allowed to, and each refusing
in words what cannot be done."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.issues.models import Comment, Issue
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.requests_world import (
    alices_request,
    media_in_tmp,  # noqa: F401 (an autouse fixture)
    page_of,
    staff_with,
)
from trellis.testing.factories import IssueFactory, StaffFactory

pytestmark = pytest.mark.django_db


def button(name, issue):
    return reverse(f"office:request-{name}", kwargs={"request_id": issue.pk})


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_public_reply_is_in_the_conversation_and_the_customer_is_emailed(office, alice):
    requested = alices_request(alice)
    response = office.post(button("reply", requested), {"body": "Tuesday.", "visibility": "public"})

    assert response.status_code == 302
    assert response["Location"] == page_of(requested)
    assert said(response) == [
        f"Your reply is in the conversation, and emailed to {alice.contact.full_name}."
    ]
    comment = Comment.objects.get(body="Tuesday.")
    assert comment.is_public
    assert OutgoingEmail.objects.filter(to_address=alice.contact.email).count() == 1


def test_a_public_reply_nobody_reads_says_that_nobody_was_emailed(office, alice):
    requested = alices_request(alice)
    requested.include_client = False
    requested.save()

    response = office.post(button("reply", requested), {"body": "Tuesday.", "visibility": "public"})

    assert said(response) == [
        "Your reply is in the conversation, but no customer reads this request in "
        "the portal, so nobody was emailed."
    ]
    assert Comment.objects.get(body="Tuesday.").is_public


def test_an_internal_note_emails_nobody(office, alice):
    requested = alices_request(alice)
    OutgoingEmail.objects.all().delete()  # the staff notification of the new request

    response = office.post(
        button("reply", requested), {"body": "Shears.", "visibility": "internal"}
    )

    assert response.status_code == 302
    assert not Comment.objects.get(body="Shears.").is_public
    assert not OutgoingEmail.objects.exists()


def test_an_empty_reply_shows_the_page_again_with_what_was_typed(office, alice):
    requested = alices_request(alice)
    response = office.post(button("reply", requested), {"body": "  ", "visibility": "public"})

    assert response.status_code == 200
    assert "Write something first: the reply is empty." in response.text
    assert 'value="public" required id="id_visibility_0" checked' in response.text
    assert not Comment.objects.filter(issue=requested).exists()


def test_replying_needs_permission_to_add_comments(client, alice):
    requested = alices_request(alice)
    client.force_login(staff_with("view_issue", "change_issue"))

    response = client.post(button("reply", requested), {"body": "Hi", "visibility": "public"})

    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("name", "before", "after", "message"),
    [
        ("start", Issue.Status.OPEN, Issue.Status.IN_PROGRESS, "Work has started on “Gate”"),
        ("close", Issue.Status.IN_PROGRESS, Issue.Status.CLOSED, "“Gate” is closed."),
        ("reopen", Issue.Status.CLOSED, Issue.Status.OPEN, "“Gate” is open again."),
    ],
)
def test_the_status_buttons_move_the_request_on(office, name, before, after, message):
    issue = IssueFactory(subject="Gate", status=before)

    response = office.post(button(name, issue))

    assert response["Location"] == page_of(issue)
    assert said(response)[0].startswith(message)
    issue.refresh_from_db()
    assert issue.status == after


@pytest.mark.parametrize(
    ("name", "status"),
    [("start", Issue.Status.CLOSED), ("close", Issue.Status.CLOSED), ("reopen", Issue.Status.OPEN)],
)
def test_a_status_button_refuses_a_request_in_the_wrong_state(office, name, status):
    issue = IssueFactory(subject="Gate", status=status)

    response = office.post(button(name, issue))

    assert response.status_code == 302
    assert said(response)[0].startswith("“Gate” is ")
    assert "so it can't be" in said(response)[0]
    issue.refresh_from_db()
    assert issue.status == status


@pytest.mark.parametrize("name", ["start", "close", "reopen", "include-client", "assign"])
def test_each_button_needs_permission_to_change_requests(client, name):
    issue = IssueFactory(status=Issue.Status.CLOSED if name == "reopen" else Issue.Status.OPEN)
    client.force_login(staff_with("view_issue", "add_comment"))

    assert client.post(button(name, issue), {"include": "off"}).status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="issue.").exists()


def test_a_button_for_a_missing_request_is_not_found(office):
    missing = Issue(pk=999999)
    assert office.post(button("close", missing)).status_code == 404


def test_include_client_switches_off_and_on(office):
    issue = IssueFactory(subject="Gate", include_client=True)

    office.post(button("include-client", issue), {"include": "off"})
    issue.refresh_from_db()
    assert not issue.include_client

    response = office.post(button("include-client", issue))
    issue.refresh_from_db()
    assert issue.include_client
    # The first switch's message waits too: nobody followed its redirect.
    assert said(response)[-1] == (
        "Include Client is now on: the customer sees “Gate” and its Public replies in the portal."
    )


def test_include_client_as_it_already_is_says_so(office):
    issue = IssueFactory(subject="Gate", include_client=True)

    response = office.post(button("include-client", issue), {"include": "on"})

    assert said(response) == ["“Gate” already has Include Client checked."]


def test_a_request_is_assigned_and_unassigned_with_an_audit_entry(office, staff):
    issue = IssueFactory(subject="Gate")
    kevin = StaffFactory(first_name="Kevin", last_name="Kim")

    response = office.post(button("assign", issue), {"assignee": kevin.pk})

    assert said(response) == ["“Gate” is now assigned to Kevin Kim."]
    issue.refresh_from_db()
    assert issue.assignee == kevin
    assert AuditEntry.objects.get(action="issue.assigned").actor == staff

    response = office.post(button("assign", issue), {"assignee": ""})
    assert said(response)[-1] == "“Gate” is now unassigned."
    issue.refresh_from_db()
    assert issue.assignee is None


def test_a_request_is_never_assigned_to_someone_not_in_the_staff_list(office, alice):
    issue = IssueFactory()

    response = office.post(button("assign", issue), {"assignee": alice.pk})

    assert said(response) == ["Choose an active staff member from the list."]
    issue.refresh_from_db()
    assert issue.assignee is None


def test_assigning_to_whoever_has_it_says_so(office, staff):
    issue = IssueFactory(subject="Gate", assignee=staff)

    response = office.post(button("assign", issue), {"assignee": staff.pk})

    assert said(response) == ["“Gate” is already assigned to Jane Smith."]


@pytest.mark.parametrize("name", ["start", "close", "reopen", "include-client", "assign", "reply"])
def test_a_button_answers_post_only(office, alice, name):
    requested = alices_request(alice)
    assert office.get(button(name, requested)).status_code == 405
