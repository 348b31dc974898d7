"""A request's page in the office (office:request): what the customer wrote,
photos, the conversation with internal notes marked, links to the property and
the contact, what each staff member may do there, and its photos."""

import pytest
from django.urls import reverse

from trellis.issues.models import Comment, Photo
from trellis.office.pages import contact_url, property_url
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.requests_world import (
    alices_request,
    media_in_tmp,  # noqa: F401 (an autouse fixture)
    page_of,
    staff_with,
)
from trellis.testing.factories import CommentFactory, IssueFactory

pytestmark = pytest.mark.django_db


def photo_url(photo):
    return reverse(
        "office:request-photo", kwargs={"request_id": photo.issue_id, "photo_id": photo.pk}
    )


def test_the_page_shows_what_the_customer_wrote_with_their_photos(office, alice):
    requested = alices_request(alice)
    photo = requested.photos.get()

    text = office.get(page_of(requested)).content.decode()

    assert "What the customer wrote" in text
    assert "The hedge by the gate died over the winter." in text
    assert f'<img src="{photo_url(photo)}" alt="garden.png"' in text


def test_public_replies_and_internal_notes_are_marked_apart(office, alice):
    requested = alices_request(alice)
    CommentFactory(issue=requested, body="We come on Tuesday.", is_public=True)
    CommentFactory(issue=requested, body="Bring the big shears.", is_public=False)

    response = office.get(page_of(requested))

    text = response.content.decode()
    public, note = response.context["comments"]
    assert text.index("Public: the customer reads this") < text.index("We come on Tuesday.")
    assert text.index("We come on Tuesday.") < text.index("Internal note: never shown")
    assert text.index("Internal note: never shown") < text.index("Bring the big shears.")
    assert (public.is_public, note.is_public) == (True, False)


def test_the_property_and_the_contact_link_to_their_pages(office, alice):
    requested = alices_request(alice)
    text = office.get(page_of(requested)).content.decode()

    assert f'href="{property_url(requested.property_id)}"' in text
    assert f'href="{contact_url(requested.created_by_contact_id)}"' in text


def test_include_client_is_said_in_words(office, alice):
    requested = alices_request(alice)
    assert "The customer sees this request in the portal" in office.get(page_of(requested)).text
    hidden = IssueFactory(include_client=False)
    assert "The customer does not see this request" in office.get(page_of(hidden)).text


def test_staff_who_may_only_look_get_no_buttons_and_no_reply_form(client, alice):
    requested = alices_request(alice)
    client.force_login(staff_with("view_issue"))

    text = client.get(page_of(requested)).content.decode()

    assert "Dead hedge" in text
    for button in ("request-start", "request-close", "request-assign", "request-reply"):
        name = reverse(f"office:{button}", kwargs={"request_id": requested.pk})
        assert f'action="{name}' not in text


def test_staff_who_may_comment_get_the_reply_form_only(client, alice):
    requested = alices_request(alice)
    client.force_login(staff_with("view_issue", "add_comment"))

    text = client.get(page_of(requested)).content.decode()

    assert reverse("office:request-reply", kwargs={"request_id": requested.pk}) in text
    assert reverse("office:request-start", kwargs={"request_id": requested.pk}) not in text


def test_a_missing_request_is_not_found(office):
    assert office.get(reverse("office:request", kwargs={"request_id": 999999})).status_code == 404


def test_a_photo_is_served_to_staff_who_may_see_requests(client, alice):
    requested = alices_request(alice)
    photo = requested.photos.get()
    client.force_login(staff_with("view_issue"))

    response = client.get(photo_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_a_photo_is_refused_to_staff_who_may_not_see_requests(client, alice):
    requested = alices_request(alice)
    client.force_login(staff_with("view_comment"))

    assert client.get(photo_url(requested.photos.get())).status_code == 403


def test_a_photo_asked_for_under_another_request_is_not_found(office, alice):
    requested = alices_request(alice)
    photo = requested.photos.get()
    other = IssueFactory()

    url = reverse("office:request-photo", kwargs={"request_id": other.pk, "photo_id": photo.pk})
    assert office.get(url).status_code == 404


def test_the_pages_queries_do_not_grow_with_comments_and_photos(office, alice, staff):
    requested = alices_request(alice)
    stored = requested.photos.get().image.name

    def add_rows(n):
        comments = Comment.objects.bulk_create(
            Comment(issue=requested, author_user=staff, body="Noted.", is_public=i % 2 == 0)
            for i in range(n)
        )
        Photo.objects.bulk_create(
            Photo(issue=requested, comment=comment, image=stored, content_type="image/png", size=1)
            for comment in comments
        )

    assert assert_queries_do_not_grow(office, page_of(requested), add_rows=add_rows) <= 20
