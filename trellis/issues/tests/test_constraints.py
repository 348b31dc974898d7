import pytest
from django.db import IntegrityError, transaction

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
