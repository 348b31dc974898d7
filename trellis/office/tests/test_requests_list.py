"""The office's list of requests: what each row says, newest activity first,
the filters (status, assignee with Mine and Unassigned, property, search),
pages, and queries that do not grow with the list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.issues.models import Comment, Issue
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.requests_world import alices_request, media_in_tmp  # noqa: F401 (fixture)
from trellis.testing.factories import (
    CommentFactory,
    IssueFactory,
    PropertyFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("office:requests")


def subjects(response):
    return [issue.subject for issue in response.context["listing"].rows]


def test_each_row_says_who_opened_it_its_status_assignee_and_its_comments(office, alice):
    requested = alices_request(alice)
    kevin = StaffFactory(first_name="Kevin", last_name="Kim")
    Issue.objects.filter(pk=requested.pk).update(assignee=kevin)
    CommentFactory(issue=requested, is_public=True)
    CommentFactory.create_batch(2, issue=requested, is_public=False)

    response = office.get(LIST)

    row = response.context["listing"].rows[0]
    assert (row.public_count, row.note_count) == (1, 2)
    text = response.content.decode()
    assert f"#{requested.pk} Dead hedge" in text
    assert "Alice Arnold" in text
    assert "(customer)" in text
    assert "Kevin Kim" in text
    assert reverse("office:request", kwargs={"request_id": requested.pk}) in text


def test_the_request_with_the_newest_activity_comes_first(office):
    long_ago = timezone.now() - timedelta(days=30)
    old = IssueFactory(subject="Old but answered", created_at=long_ago)
    IssueFactory(subject="New", created_at=timezone.now() - timedelta(days=1))
    IssueFactory(subject="Older", created_at=long_ago - timedelta(days=1))
    # An internal note is activity too: staff picked the request up.
    CommentFactory(issue=old, is_public=False)

    assert subjects(office.get(LIST)) == ["Old but answered", "New", "Older"]


def test_closed_requests_are_left_out_unless_asked_for(office):
    IssueFactory(subject="Open")
    IssueFactory(subject="Started", status=Issue.Status.IN_PROGRESS)
    IssueFactory(subject="Done", status=Issue.Status.CLOSED)

    assert sorted(subjects(office.get(LIST))) == ["Open", "Started"]
    assert subjects(office.get(LIST, {"status": "closed"})) == ["Done"]
    assert subjects(office.get(LIST, {"status": "in_progress"})) == ["Started"]
    assert len(subjects(office.get(LIST, {"status": "all"}))) == 3


def test_mine_unassigned_and_one_staff_members_requests(office, staff):
    kevin = StaffFactory()
    IssueFactory(subject="Jane's", assignee=staff)
    IssueFactory(subject="Kevin's", assignee=kevin)
    IssueFactory(subject="Nobody's")

    assert subjects(office.get(LIST, {"assignee": "mine"})) == ["Jane's"]
    assert subjects(office.get(LIST, {"assignee": "none"})) == ["Nobody's"]
    assert subjects(office.get(LIST, {"assignee": kevin.pk})) == ["Kevin's"]
    assert len(subjects(office.get(LIST, {"assignee": ""}))) == 3


def test_a_filter_that_makes_no_sense_is_ignored(office):
    IssueFactory(subject="Open")

    assert subjects(office.get(LIST, {"assignee": "someone", "status": "lost"})) == ["Open"]


def test_the_requests_of_one_property(office):
    oak = PropertyFactory(name="12 Oak Lane")
    IssueFactory(subject="Oak", property=oak)
    IssueFactory(subject="Elsewhere")

    response = office.get(LIST, {"property": oak.pk})

    assert subjects(response) == ["Oak"]
    assert "12 Oak Lane" in response.content.decode()
    assert response.context["all_properties_url"] == LIST


def test_search_by_words_property_or_number(office):
    gate = IssueFactory(subject="Gate hinge", description="It squeaks.")
    IssueFactory(subject="Lawn", property=PropertyFactory(name="Maple Court"))

    assert subjects(office.get(LIST, {"q": "squeak"})) == ["Gate hinge"]
    assert subjects(office.get(LIST, {"q": "maple"})) == ["Lawn"]
    assert subjects(office.get(LIST, {"q": f"#{gate.pk}"})) == ["Gate hinge"]


def test_the_list_comes_a_page_at_a_time_keeping_the_filters(office):
    IssueFactory.create_batch(51, subject="Hedge")

    response = office.get(LIST, {"q": "hedge"})

    assert len(response.context["listing"].rows) == 50
    assert response.context["listing"].next_url == f"{LIST}?page=2&q=hedge"
    assert len(office.get(LIST, {"q": "hedge", "page": 2}).context["listing"].rows) == 1


def test_the_lists_queries_do_not_grow_with_the_requests(office, staff):
    def add_rows(n):
        issues = IssueFactory.build_batch(n, property=PropertyFactory(), assignee=staff)
        created = Issue.objects.bulk_create(issues)
        Comment.objects.bulk_create(
            Comment(issue=issue, author_user=staff, body="On it.", is_public=False)
            for issue in created
        )

    assert assert_queries_do_not_grow(office, LIST, add_rows=add_rows) <= 12
