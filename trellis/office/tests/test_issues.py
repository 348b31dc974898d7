import pytest
from django.urls import reverse

from trellis.issues.models import Comment, Issue
from trellis.office.tests.forms import form_data
from trellis.testing.factories import CommentFactory, IssueFactory, PropertyFactory

pytestmark = pytest.mark.django_db

ISSUES = reverse("admin:issues_issue_changelist")


def change_url(issue):
    return reverse("admin:issues_issue_change", args=[issue.pk])


def test_an_issue_added_in_the_office_is_raised_by_the_staff_member(office, staff):
    url = reverse("admin:issues_issue_add")
    data = form_data(office.get(url)) | {
        "property": PropertyFactory().pk,
        "subject": "Dead hedge",
    }

    office.post(url, data)

    issue = Issue.objects.get(subject="Dead hedge")
    assert issue.created_by_user == staff
    assert (issue.status, issue.closed_at) == (Issue.Status.OPEN, None)
    assert not issue.include_client


def test_an_issue_is_added_open_with_include_client_as_ticked(office):
    url = reverse("admin:issues_issue_add")
    page = office.get(url)
    assert "status" not in page.context["adminform"].form.fields
    data = form_data(page) | {
        "property": PropertyFactory().pk,
        "subject": "Dead hedge",
        "include_client": "on",
        "status": Issue.Status.CLOSED,  # read only: a new issue is open
        "closed_at_0": "2026-03-01",
        "closed_at_1": "10:00",
    }

    office.post(url, data)

    issue = Issue.objects.get(subject="Dead hedge")
    assert (issue.status, issue.closed_at, issue.include_client) == (Issue.Status.OPEN, None, True)


def test_the_status_closed_at_and_include_client_are_not_changed_by_the_issue_form(office):
    issue = IssueFactory(include_client=True)
    page = office.get(change_url(issue))
    fields = page.context["adminform"].form.fields
    assert not {"status", "closed_at", "include_client"} & set(fields)
    # No include_client in the data: as an unticked box would post, were it a field.
    data = form_data(page) | {"status": Issue.Status.CLOSED, "closed_at_0": "2026-03-01"}

    assert office.post(change_url(issue), data).status_code == 302

    issue.refresh_from_db()
    assert (issue.status, issue.closed_at, issue.include_client) == (Issue.Status.OPEN, None, True)


def test_the_issue_list_offers_no_action_that_changes_a_status(office):
    response = office.get(ISSUES)

    assert set(response.context["action_form"].fields["action"].choices) == {
        ("", "---------"),
        ("delete_selected", "Delete selected requests"),
    }
    assert not response.context["cl"].list_editable


def test_a_comment_added_on_the_issue_page_is_written_by_the_staff_member(office, staff):
    issue = IssueFactory()
    data = form_data(office.get(change_url(issue))) | {
        "comments-0-body": "Replaced on Tuesday.",
        "comments-0-is_public": "on",
    }

    response = office.post(change_url(issue), data)

    assert response.status_code == 302
    comment = issue.comments.get()
    assert (comment.author_user, comment.is_public) == (staff, True)


def test_a_customers_comment_cannot_be_made_private(office, alice):
    comment = CommentFactory(author_user=None, author_contact=alice.contact, is_public=True)
    data = form_data(office.get(change_url(comment.issue)))
    del data["comments-0-is_public"]

    response = office.post(change_url(comment.issue), data)

    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.is_public


@pytest.mark.parametrize(("include_client", "expected"), [("1", "Shown"), ("0", "Hidden")])
def test_issues_are_filtered_by_include_client(office, include_client, expected):
    IssueFactory(subject="Shown", include_client=True)
    IssueFactory(subject="Hidden", include_client=False)

    response = office.get(ISSUES, {"include_client__exact": include_client})

    assert [i.subject for i in response.context["cl"].result_list] == [expected]
    assert "Include Client" in response.text


def test_comments_are_filtered_by_whether_they_are_public(office):
    CommentFactory(body="For the customer", is_public=True)
    CommentFactory(body="Crew only", is_public=False)

    response = office.get(reverse("admin:issues_comment_changelist"), {"is_public__exact": "0"})

    assert [c.body for c in response.context["cl"].result_list] == ["Crew only"]


def test_a_comment_added_on_its_own_page_is_written_by_the_staff_member(office, staff):
    url = reverse("admin:issues_comment_add")
    data = form_data(office.get(url)) | {"issue": IssueFactory().pk, "body": "On my way."}

    office.post(url, data)

    assert Comment.objects.get().author_user == staff
