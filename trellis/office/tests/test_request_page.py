"""A request's page in the office: replies and internal notes, Include Client,
photos, and the list's filter of requests waiting for staff."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.issues.models import Comment, Photo
from trellis.issues.services import request_close, request_comment, request_open
from trellis.issues.tests.photos import checked, png
from trellis.office.tests.forms import form_data
from trellis.testing.factories import (
    CommentFactory,
    IssueFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ISSUES = reverse("admin:issues_issue_changelist")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Photos are written to storage: never into the project's data/media.
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def home(alice):
    return PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.PRIMARY).property


@pytest.fixture
def requested(alice, home):
    """A request alice opened in the portal, with a photo."""
    return request_open(
        contact=alice.contact,
        property=home,
        subject="Dead hedge",
        description="",
        photos=checked(alice.contact, png()),
    )


def change_url(issue):
    return reverse("admin:issues_issue_change", args=[issue.pk])


def photo_url(photo):
    return reverse("admin:issues_issue_photo", args=[photo.issue_id, photo.pk])


def reply(office, issue, body, *, public):
    data = form_data(office.get(change_url(issue)))
    index = issue.comments.count()  # the blank form after the existing ones
    data[f"comments-{index}-body"] = body
    if public:
        data[f"comments-{index}-is_public"] = "on"
    return office.post(change_url(issue), data)


@pytest.mark.parametrize("public", [True, False])
def test_staff_reply_publicly_or_with_an_internal_note(office, staff, requested, alice, public):
    response = reply(office, requested, "We will trim it on Friday.", public=public)

    assert response.status_code == 302
    comment = requested.comments.get()
    assert (comment.author_user, comment.is_public) == (staff, public)
    entry = AuditEntry.objects.get(action="comment.written_by_staff")
    assert (entry.actor, entry.data) == (staff, {"issue": requested.pk, "public": public})
    office.logout()
    office.force_login(alice)
    shown = office.get(f"/requests/{requested.pk}/")
    assert ("We will trim it on Friday." in shown.text) is public


def test_staff_make_an_internal_note_public_later(office, requested):
    note = CommentFactory(issue=requested, is_public=False)
    data = form_data(office.get(change_url(requested)))
    data["comments-0-is_public"] = "on"

    office.post(change_url(requested), data)

    note.refresh_from_db()
    assert note.is_public


def test_staff_switch_include_client_off_and_the_customer_loses_the_request(
    office, requested, alice
):
    switch = reverse("admin:issues_issue_include_client", args=[requested.pk])

    assert office.post(switch, {"include": "off"}).status_code == 302

    requested.refresh_from_db()
    assert not requested.include_client
    office.force_login(alice)
    assert office.get(f"/requests/{requested.pk}/").status_code == 404


def test_a_customers_comment_cannot_be_made_private_and_the_form_says_why(office, requested, alice):
    request_comment(contact=alice.contact, issue=requested, body="Any news?", photos=[])
    data = form_data(office.get(change_url(requested)))
    del data["comments-0-is_public"]

    response = office.post(change_url(requested), data)

    assert response.status_code == 200
    assert "what a customer writes is always Public: it cannot be made an internal note" in (
        response.text
    )
    assert Comment.objects.get().is_public


def test_the_issue_page_shows_who_wrote_each_comment_and_the_photos(office, requested, alice):
    photos = checked(alice.contact, png())
    request_comment(contact=alice.contact, issue=requested, body="Here", photos=photos)
    CommentFactory(issue=requested, body="Internal", is_public=False)

    response = office.get(change_url(requested))

    assert "Alice Arnold (customer)" in response.text
    for photo in Photo.objects.all():
        assert photo_url(photo) in response.text
    # One photo is the request's own, the other on alice's comment; the note has none.
    assert "the request" in response.text
    assert "Public comment of" in response.text
    assert "internal note of" not in response.text


def test_staff_open_a_photo_through_the_office(office, requested):
    photo = requested.photos.get()

    response = office.get(photo_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    served = b"".join(response.streaming_content)
    response.close()
    assert served.startswith(b"\x89PNG")


def test_a_photo_is_found_only_under_its_own_issue(office, requested):
    photo = requested.photos.get()
    assert (
        office.get(
            reverse("admin:issues_issue_photo", args=[IssueFactory().pk, photo.pk])
        ).status_code
        == 404
    )


def test_customers_and_visitors_get_no_office_photo(client, alice, requested):
    url = photo_url(requested.photos.get())
    assert client.get(url).status_code == 302  # to the office login

    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_permission_on_issues_get_no_photo(client, requested):
    crew = StaffFactory()
    crew.user_permissions.add(Permission.objects.get(codename="view_contact"))
    client.force_login(crew)

    assert client.get(photo_url(requested.photos.get())).status_code == 403


def test_staff_who_only_view_issues_see_the_photos(client, requested):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_issue"))
    client.force_login(viewer)

    assert photo_url(requested.photos.get()) in client.get(change_url(requested)).text
    response = client.get(photo_url(requested.photos.get()))
    assert response.status_code == 200
    response.close()


def waiting(office, value):
    response = office.get(ISSUES, {"waiting": value})
    return {issue.subject for issue in response.context["cl"].result_list}


def test_the_list_filters_the_requests_waiting_for_staff(office, staff, alice, home):
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

    assert waiting(office, "yes") == {"New, unanswered", "Customer asked again"}
    assert waiting(office, "no") == {
        "Closed unanswered",
        "Answered",
        "Picked up with a note",
        "Raised by staff",
    }
    assert "Waiting for staff: the customer spoke last" in office.get(ISSUES).text
