"""A request's page in the office, as the customer then sees it: replies and
internal notes, Include Client, who wrote each comment with its photos, and the
list's filter of requests waiting for staff."""

import re

import pytest
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.issues.services import request_close, request_comment, request_open
from trellis.issues.tests.photos import checked, png
from trellis.office.tests.requests_world import (
    alices_request,
    media_in_tmp,  # noqa: F401 (an autouse fixture)
    page_of,
)
from trellis.testing.factories import CommentFactory, IssueFactory

pytestmark = pytest.mark.django_db


def button(name, issue):
    return reverse(f"office:request-{name}", kwargs={"request_id": issue.pk})


def in_the_portal(issue):
    return reverse("portal:request", args=[issue.pk])


def photo_url(photo):
    return reverse(
        "office:request-photo", kwargs={"request_id": photo.issue_id, "photo_id": photo.pk}
    )


@pytest.mark.parametrize(("visibility", "public"), [("public", True), ("internal", False)])
def test_staff_reply_publicly_or_with_an_internal_note(office, staff, alice, visibility, public):
    requested = alices_request(alice)

    response = office.post(
        button("reply", requested), {"body": "We will trim it on Friday.", "visibility": visibility}
    )

    assert response.status_code == 302
    comment = requested.comments.get()
    assert (comment.author_user, comment.is_public) == (staff, public)
    entry = AuditEntry.objects.get(action="comment.written_by_staff")
    assert (entry.actor, entry.data) == (staff, {"issue": requested.pk, "public": public})
    office.force_login(alice)
    shown = office.get(in_the_portal(requested))
    assert ("We will trim it on Friday." in shown.text) is public


def test_staff_switch_include_client_off_and_the_customer_loses_the_request(office, alice):
    requested = alices_request(alice)

    response = office.post(button("include-client", requested), {"include": "off"})

    assert response.status_code == 302
    requested.refresh_from_db()
    assert not requested.include_client
    office.force_login(alice)
    assert office.get(in_the_portal(requested)).status_code == 404


def test_the_page_shows_who_wrote_each_comment_with_its_photos(office, alice):
    requested = alices_request(alice)
    on_the_request = requested.photos.get()
    comment = request_comment(
        contact=alice.contact, issue=requested, body="Here", photos=checked(alice.contact, png())
    )
    note = CommentFactory(issue=requested, body="Internal", is_public=False)

    page = office.get(page_of(requested)).text

    def article(of):
        return re.search(rf'<article [^>]*id="comment-{of.pk}">(.*?)</article>', page, re.S)[1]

    hers, staffs = article(comment), article(note)
    assert re.search(r"<strong>Alice Arnold</strong>\s*<span class=\"quiet\">\(customer\)", hers)
    assert photo_url(comment.photos.get()) in hers
    assert "(customer)" not in staffs and "<img" not in staffs
    # The request's own photo is with what the customer wrote, not in the conversation.
    wrote = page.split('id="wrote-heading"')[1].split('id="conversation-heading"')[0]
    assert photo_url(on_the_request) in wrote


def waiting(office, value):
    response = office.get(reverse("office:requests"), {"waiting": value, "status": "all"})
    return {issue.subject for issue in response.context["listing"].rows}


def test_the_list_filters_the_requests_waiting_for_staff(office, staff, alice):
    home = alices_request(alice).property

    def opened(subject):
        return request_open(
            contact=alice.contact, property=home, subject=subject, description="", photos=[]
        )

    opened("New, unanswered")
    closed = opened("Closed unanswered")
    request_close(issue_id=closed.pk, actor=staff)
    answered = opened("Answered")
    CommentFactory(issue=answered, author_user=staff)
    noted = opened("Picked up with a note")
    CommentFactory(issue=noted, author_user=staff, is_public=False)
    asked_again = opened("Customer asked again")
    CommentFactory(issue=asked_again, author_user=staff)
    request_comment(contact=alice.contact, issue=asked_again, body="And?", photos=[])
    IssueFactory(subject="Raised by staff")

    assert waiting(office, "yes") == {"Dead hedge", "New, unanswered", "Customer asked again"}
    assert waiting(office, "no") == {
        "Closed unanswered",
        "Answered",
        "Picked up with a note",
        "Raised by staff",
    }
    offered = office.get(reverse("office:requests")).text
    assert '<option value="yes">Waiting for staff: the customer spoke last</option>' in offered
