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
    assert not issue.include_client


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
