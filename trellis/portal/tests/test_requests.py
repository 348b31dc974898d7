import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.issues.models import Comment, Issue, Photo
from trellis.issues.tests.photos import png
from trellis.testing.documents import property_of
from trellis.testing.factories import (
    CommentFactory,
    ContactFactory,
    IssueFactory,
    PropertyFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def subjects(response):
    return {issue.subject for issue in response.context["page"].object_list}


def photo_of(issue, comment=None, name="garden.png"):
    photo = Photo(
        issue=issue, comment=comment, content_type="image/png", size=1, original_name=name
    )
    photo.image.save("photo", png(), save=False)
    photo.save()
    return photo


def switch_requests_off():
    Company.objects.filter(pk=Company.load().pk).update(requests_enabled=False)


def test_the_lists_hold_exactly_the_requests_alice_sees(alice_client, alice):
    primary = property_of(alice.contact)
    billing = property_of(alice.contact, role=PropertyContact.Role.BILLING)
    other_role = property_of(alice.contact, role=PropertyContact.Role.OTHER)
    IssueFactory(property=primary, subject="Primary, open")
    IssueFactory(property=billing, subject="Billing, in progress", status=Issue.Status.IN_PROGRESS)
    IssueFactory(property=primary, subject="Primary, closed", status=Issue.Status.CLOSED)
    IssueFactory(property=primary, subject="Not included", include_client=False)
    IssueFactory(property=other_role, subject="Other role")
    IssueFactory(property=PropertyFactory(), subject="Someone else's")

    open_page = alice_client.get("/requests/")
    closed_page = alice_client.get("/requests/?status=closed")

    assert subjects(open_page) == {"Primary, open", "Billing, in progress"}
    assert subjects(closed_page) == {"Primary, closed"}


def test_the_list_shows_property_status_and_last_public_activity(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact, name="Oak House"), subject="Hedge")
    CommentFactory(issue=issue, is_public=False)  # an internal note is no activity to alice
    response = alice_client.get("/requests/")

    [listed] = response.context["page"].object_list
    assert listed.last_activity_at == issue.created_at
    assert "Oak House" in response.text
    assert "Hedge" in response.text
    assert "Open" in response.text


def test_the_most_recently_active_request_comes_first(alice_client, alice):
    home = property_of(alice.contact)
    older = IssueFactory(property=home, subject="Older, but answered")
    IssueFactory(property=home, subject="Newer")
    CommentFactory(issue=older, body="Answer")

    response = alice_client.get("/requests/")

    assert [i.subject for i in response.context["page"].object_list] == [
        "Older, but answered",
        "Newer",
    ]


def test_the_list_is_paginated_by_twenty(alice_client, alice):
    home = property_of(alice.contact)
    Issue.objects.bulk_create(
        Issue(property=home, subject=f"R{n}", include_client=True) for n in range(21)
    )

    first = alice_client.get("/requests/")
    second = alice_client.get("/requests/?status=open&page=2")

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 1
    assert 'href="?status=open&amp;page=2"' in first.text


def test_the_detail_shows_public_comments_oldest_first_and_never_internal_notes(
    alice_client, alice
):
    issue = IssueFactory(property=property_of(alice.contact), description="Water by the gate.")
    staff = StaffFactory(first_name="Jane", last_name="Smith")
    CommentFactory(issue=issue, author_user=staff, body="Coming Tuesday.")
    CommentFactory(issue=issue, author_user=staff, body="Crew: bring a valve.", is_public=False)
    Comment.objects.create(
        issue=issue, author_contact=alice.contact, body="Thanks!", is_public=True
    )

    response = alice_client.get(f"/requests/{issue.pk}/")

    assert [c.body for c in response.context["comments"]] == ["Coming Tuesday.", "Thanks!"]
    assert "Crew: bring a valve." not in response.text
    assert "Water by the gate." in response.text
    assert "Jane Smith" in response.text
    assert "Alice Arnold" in response.text


def test_the_detail_shows_the_request_photos_and_public_comment_photos_only(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    public = CommentFactory(issue=issue)
    note = CommentFactory(issue=issue, is_public=False)
    own, on_public, on_note = photo_of(issue), photo_of(issue, public), photo_of(issue, note)

    response = alice_client.get(f"/requests/{issue.pk}/")

    assert f"/requests/{issue.pk}/photos/{own.pk}/" in response.text
    assert f"/requests/{issue.pk}/photos/{on_public.pk}/" in response.text
    assert f"/photos/{on_note.pk}/" not in response.text
    assert "/media/" not in response.text


def test_photos_are_served_to_alice_through_the_portal(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    photo = photo_of(issue, CommentFactory(issue=issue))

    response = alice_client.get(f"/requests/{issue.pk}/photos/{photo.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    served = b"".join(response.streaming_content)
    response.close()
    with photo.image.open("rb") as stored:
        assert served == stored.read()


def test_a_photo_on_an_internal_note_is_not_served_to_the_customer(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    photo = photo_of(issue, CommentFactory(issue=issue, is_public=False))

    assert alice_client.get(f"/requests/{issue.pk}/photos/{photo.pk}/").status_code == 404


def test_a_photo_is_served_only_under_its_own_request(alice_client, alice):
    home = property_of(alice.contact)
    mine, elsewhere = IssueFactory(property=home), IssueFactory()
    photo = photo_of(elsewhere)

    assert alice_client.get(f"/requests/{mine.pk}/photos/{photo.pk}/").status_code == 404


def test_photos_are_not_under_the_media_url(alice_client, alice):
    photo = photo_of(IssueFactory(property=property_of(alice.contact)))

    assert alice_client.get(f"/media/{photo.image.name}").status_code == 404


@pytest.fixture
def someone_elses():
    """A request on a property alice holds no role on, with a public comment and photo."""
    stranger = ContactFactory()
    issue = IssueFactory(property=property_of(stranger), subject="Their request")
    photo = photo_of(issue, CommentFactory(issue=issue, body="Their comment"))
    return issue, photo


@pytest.fixture
def hidden_from_alice(alice):
    """Alice's own property, but a request without Include Client."""
    issue = IssueFactory(property=property_of(alice.contact), include_client=False)
    return issue, photo_of(issue)


@pytest.fixture
def only_other_role(alice):
    issue = IssueFactory(property=property_of(alice.contact, role=PropertyContact.Role.OTHER))
    return issue, photo_of(issue)


@pytest.mark.parametrize("case", ["someone_elses", "hidden_from_alice", "only_other_role"])
def test_a_request_alice_does_not_see_answers_404_everywhere_and_changes_nothing(
    alice_client, case, request
):
    issue, photo = request.getfixturevalue(case)
    comments_before = Comment.objects.count()

    assert alice_client.get(f"/requests/{issue.pk}/").status_code == 404
    assert alice_client.get(f"/requests/{issue.pk}/photos/{photo.pk}/").status_code == 404
    response = alice_client.post(
        f"/requests/{issue.pk}/comment/", {"body": "Let me in", "photos": [png()]}
    )
    assert response.status_code == 404
    assert Comment.objects.count() == comments_before
    assert not Photo.objects.filter(comment__body="Let me in").exists()


def test_a_request_that_does_not_exist_answers_404_like_someone_elses(alice_client):
    assert alice_client.get("/requests/999999/").status_code == 404
    assert alice_client.get("/requests/999999/photos/1/").status_code == 404


def test_losing_the_role_loses_the_request_on_the_next_page(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    assert alice_client.get(f"/requests/{issue.pk}/").status_code == 200

    PropertyContact.objects.filter(contact=alice.contact).delete()

    assert alice_client.get(f"/requests/{issue.pk}/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/requests/", "/requests/new/", "/requests/1/", "/requests/1/photos/1/"]
)
def test_signed_out_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/?next=")


def test_with_the_section_off_every_request_page_answers_404(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    photo = photo_of(issue)
    switch_requests_off()

    for url in ["/requests/", "/requests/new/", f"/requests/{issue.pk}/"]:
        assert alice_client.get(url).status_code == 404, url
    assert alice_client.get(f"/requests/{issue.pk}/photos/{photo.pk}/").status_code == 404
    assert alice_client.post(f"/requests/{issue.pk}/comment/", {"body": "?"}).status_code == 404
    assert alice_client.post("/requests/new/", {"subject": "?"}).status_code == 404
    assert not Comment.objects.exists()


def test_the_navigation_links_to_requests_only_while_the_section_is_on(alice_client):
    assert 'href="/requests/"' in alice_client.get("/profile/").text

    switch_requests_off()

    assert 'href="/requests/"' not in alice_client.get("/profile/").text


def queries_for(client, url):
    client.get(url)  # the first request of a session also refreshes the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("status", ["open", "closed"])
def test_the_list_runs_as_many_queries_for_500_requests_as_for_5(alice_client, alice, status):
    home = property_of(alice.contact)

    def add(count):
        made = Issue.objects.bulk_create(
            Issue(
                property=home,
                subject="R",
                include_client=True,
                status=status,
                closed_at=timezone.now() if status == "closed" else None,
            )
            for _ in range(count)
        )
        Comment.objects.bulk_create(Comment(issue=i, body="c", is_public=True) for i in made)

    add(5)
    few = queries_for(alice_client, f"/requests/?status={status}")
    add(495)
    many = queries_for(alice_client, f"/requests/?status={status}")

    assert few == many


def test_the_detail_runs_as_many_queries_for_50_comments_and_photos_as_for_5(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    staff = StaffFactory()

    def add(count):
        for n in range(count):
            if n % 2:
                comment = CommentFactory(issue=issue, author_user=staff)
            else:
                comment = Comment.objects.create(
                    issue=issue, author_contact=alice.contact, body="c", is_public=True
                )
            photo_of(issue, comment)
            photo_of(issue)

    add(5)
    few = queries_for(alice_client, f"/requests/{issue.pk}/")
    add(45)
    many = queries_for(alice_client, f"/requests/{issue.pk}/")

    assert few == many
