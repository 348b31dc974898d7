import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from trellis.issues.models import Issue
from trellis.testing.factories import CommentFactory, ContactFactory, IssueFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_what_a_customer_writes_is_public():
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory(author_user=None, author_contact=ContactFactory(), is_public=False)


def test_staff_may_write_internal_notes():
    note = CommentFactory(is_public=False)
    assert not note.is_public


def test_a_comment_has_one_author():
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory(author_user=StaffFactory(), author_contact=ContactFactory())


def test_an_issue_is_raised_by_at_most_one_person():
    with pytest.raises(IntegrityError), transaction.atomic():
        IssueFactory(created_by_user=StaffFactory(), created_by_contact=ContactFactory())


def test_a_closed_issue_says_when_it_was_closed():
    with pytest.raises(IntegrityError), transaction.atomic():
        IssueFactory(status=Issue.Status.CLOSED, closed_at=None)


@pytest.mark.parametrize("status", [Issue.Status.OPEN, Issue.Status.IN_PROGRESS])
def test_an_issue_not_closed_has_no_closing_time(status):
    with pytest.raises(IntegrityError), transaction.atomic():
        IssueFactory(status=status, closed_at=timezone.now())


def test_closing_an_issue_in_the_database_needs_its_closing_time():
    issue = IssueFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.CLOSED)

    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.CLOSED, closed_at=timezone.now())
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED
