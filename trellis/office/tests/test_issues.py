"""Requests (the model is Issue) outside their office page: a new one is always
open, and the superuser's raw data of requests and comments, which reads and
filters them and changes none."""

import pytest
from django.urls import reverse

from trellis.issues.models import Issue
from trellis.testing.factories import CommentFactory, IssueFactory, PropertyFactory

pytestmark = pytest.mark.django_db

ISSUES = reverse("admin:issues_issue_changelist")


@pytest.fixture
def superuser(client, staff):
    """Jane, a superuser, reading the raw data in Django's admin."""
    assert staff.is_superuser
    client.force_login(staff)
    return client


def test_a_request_opened_in_the_office_is_open_whatever_status_is_posted(office):
    office.post(
        reverse("office:request-add"),
        {
            "property": PropertyFactory().pk,
            "subject": "Dead hedge",
            "include_client": "on",
            "status": Issue.Status.CLOSED,  # not a field: a new request is open
            "closed_at": "2026-03-01 10:00",
        },
    )

    issue = Issue.objects.get(subject="Dead hedge")
    assert (issue.status, issue.closed_at, issue.include_client) == (Issue.Status.OPEN, None, True)


def test_the_raw_data_list_of_requests_offers_no_action_that_changes_a_status(superuser):
    response = superuser.get(ISSUES)

    assert response.status_code == 200
    form = response.context["action_form"]
    actions = {name for name, _ in form.fields["action"].choices} if form else set()
    assert actions <= {"", "delete_selected"}
    assert not response.context["cl"].list_editable


def test_the_raw_data_changes_no_request_status_nor_comment_even_for_a_superuser(superuser, alice):
    issue = IssueFactory(include_client=True)
    comment = CommentFactory(
        issue=issue, author_user=None, author_contact=alice.contact, is_public=True
    )

    assert superuser.get(reverse("admin:issues_issue_add")).status_code == 403
    change = reverse("admin:issues_issue_change", args=[issue.pk])
    superuser.post(change, {"status": Issue.Status.CLOSED, "closed_at_0": "2026-03-01"})
    delete = reverse("admin:issues_issue_delete", args=[issue.pk])
    assert superuser.post(delete, {"post": "yes"}).status_code == 403
    # What a customer writes is always Public: not even the raw data makes it a note.
    superuser.post(reverse("admin:issues_comment_change", args=[comment.pk]), {"body": "x"})

    issue.refresh_from_db()
    assert (issue.status, issue.closed_at, issue.include_client) == (Issue.Status.OPEN, None, True)
    comment.refresh_from_db()
    assert comment.is_public


@pytest.mark.parametrize(("include_client", "expected"), [("1", "Shown"), ("0", "Hidden")])
def test_the_raw_data_requests_are_filtered_by_include_client(superuser, include_client, expected):
    IssueFactory(subject="Shown", include_client=True)
    IssueFactory(subject="Hidden", include_client=False)

    response = superuser.get(ISSUES, {"include_client__exact": include_client})

    assert [i.subject for i in response.context["cl"].result_list] == [expected]


def test_the_raw_data_comments_are_filtered_by_whether_they_are_public(superuser):
    CommentFactory(body="For the customer", is_public=True)
    CommentFactory(body="Crew only", is_public=False)

    response = superuser.get(reverse("admin:issues_comment_changelist"), {"is_public__exact": "0"})

    assert [c.body for c in response.context["cl"].result_list] == ["Crew only"]
