"""Reads of issues (the portal's requests): which are open, what happened last."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest

from trellis.issues.models import Comment, Issue
from trellis.visibility import PublicComment


def issues_open(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """Open and in progress: what the portal lists under "Open" and counts as pending."""
    return issues.filter(status__in=Issue.OPEN_STATUSES)


def issues_closed(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    return issues.filter(status=Issue.Status.CLOSED)


def issues_by_last_public_activity(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """Newest activity first, as the customer sees it: the request was opened or
    got a Public comment. Internal notes don't count, or their time would show."""
    last_public = (
        Comment.objects.filter(PublicComment.q(), issue=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return issues.annotate(
        last_activity_at=Greatest("created_at", Coalesce(Subquery(last_public), "created_at"))
    ).order_by("-last_activity_at", "-id")


def issues_with_waiting_for_staff(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """Annotate `waiting_for_staff`: the customer spoke last and nobody answered.

    That is a request whose latest comment is a customer's, or one a customer
    opened that is still open and has no comment yet. An internal note counts as
    an answer: staff have picked it up.
    """
    comments = Comment.objects.filter(issue=OuterRef("pk"))
    last_by_customer = Q(last_comment_by_contact__isnull=False)
    unanswered = ~Exists(comments) & Q(created_by_contact__isnull=False)
    return issues.alias(
        last_comment_by_contact=Subquery(
            comments.order_by("-created_at", "-id").values("author_contact")[:1]
        )
    ).annotate(
        waiting_for_staff=ExpressionWrapper(
            last_by_customer | (unanswered & ~Q(status=Issue.Status.CLOSED)),
            output_field=BooleanField(),
        )
    )
