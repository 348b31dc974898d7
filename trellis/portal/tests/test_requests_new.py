import time

import pytest

from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.issues.models import Comment, Issue, Photo
from trellis.issues.tests.photos import png, png_claiming, text_named_jpg, upload
from trellis.mail.models import OutgoingEmail
from trellis.testing.documents import property_of
from trellis.testing.factories import IssueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def new_request(client, prop, **fields):
    data = {"property": prop.pk, "subject": "Dead hedge", "description": "Along the road."}
    return client.post("/requests/new/", data | fields)


def test_the_form_offers_only_the_properties_alice_sees(alice_client, alice, charlie):
    property_of(alice.contact, name="Oak House")
    property_of(alice.contact, role=PropertyContact.Role.BILLING, name="Elm Cottage")
    property_of(alice.contact, role=PropertyContact.Role.OTHER, name="Pine Lodge")
    property_of(charlie, name="Charlie's Farm")

    response = alice_client.get("/requests/new/")

    offered = [p.name for p in response.context["form"].fields["property"].queryset]
    assert offered == ["Elm Cottage", "Oak House"]
    assert "Pine Lodge" not in response.text
    assert "Charlie" not in response.text
    assert "Choose a property" in response.text


def test_a_single_property_is_chosen_already(alice_client, alice):
    home = property_of(alice.contact, name="Oak House")

    response = alice_client.get("/requests/new/")

    assert f'<option value="{home.pk}" selected>' in response.text
    assert "Choose a property" not in response.text


def test_the_photo_input_takes_several_images(alice_client, alice):
    property_of(alice.contact)

    response = alice_client.get("/requests/new/")

    assert 'type="file" name="photos" accept="image/*" multiple' in response.text
    assert 'enctype="multipart/form-data"' in response.text


def test_alice_without_properties_is_told_why_she_cannot_open_one(alice_client):
    response = alice_client.get("/requests/new/")

    assert "primary or billing contact" in response.text
    assert "<form" not in response.text.split('id="main"')[1]


def test_alice_opens_a_request_with_a_photo(alice_client, alice):
    home = property_of(alice.contact)

    response = new_request(alice_client, home, photos=[png("hedge.png")])

    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response.url == f"/requests/{issue.pk}/"
    assert (issue.property, issue.subject, issue.description) == (
        home,
        "Dead hedge",
        "Along the road.",
    )
    assert issue.include_client and issue.created_by_contact == alice.contact
    assert [p.original_name for p in issue.photos.all()] == ["hedge.png"]
    page = alice_client.get(response.url)
    assert "Your request has been sent." in page.text
    photo = issue.photos.get()
    assert f"/requests/{issue.pk}/photos/{photo.pk}/" in page.text


def test_staff_are_notified_of_a_new_request(alice_client, alice):
    company = Company.load()
    company.staff_notification_email = "office@greenway.example"
    company.save()

    new_request(alice_client, property_of(alice.contact))

    email = OutgoingEmail.objects.get(to_address="office@greenway.example")
    assert email.subject == "New request from Alice Arnold: Dead hedge"


def test_a_forged_property_of_someone_else_is_a_form_error_and_creates_nothing(
    alice_client, alice, charlie
):
    property_of(alice.contact)
    theirs = property_of(charlie)

    response = new_request(alice_client, theirs)

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Issue.objects.exists()


def test_a_property_alice_holds_another_role_on_is_refused_too(alice_client, alice):
    other = property_of(alice.contact, role=PropertyContact.Role.OTHER)

    response = new_request(alice_client, other)

    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_a_text_file_named_photo_jpg_is_refused_with_a_clear_message(alice_client, alice):
    home = property_of(alice.contact)

    response = new_request(alice_client, home, photos=[text_named_jpg()])

    assert response.status_code == 400
    assert "“photo.jpg” is not a photo we can use. Choose a JPEG, PNG or WebP image." in (
        response.content.decode()
    )
    assert not Issue.objects.exists()
    assert not Photo.objects.exists()


def test_a_refused_photo_is_reported_with_the_other_mistakes_at_once(alice_client, alice):
    response = new_request(
        alice_client, property_of(alice.contact), subject="", photos=[text_named_jpg()]
    )

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "is not a photo we can use" in response.text


def test_what_was_typed_is_kept_and_alice_is_told_to_choose_the_photos_again(alice_client, alice):
    home = property_of(alice.contact)

    response = new_request(
        alice_client,
        home,
        subject="Fallen oak",
        description="On the shed.",
        photos=[text_named_jpg()],
    )

    assert 'value="Fallen oak"' in response.text
    assert "On the shed." in response.text
    assert f'<option value="{home.pk}" selected>' in response.text
    assert "choose them again" in response.text


def test_an_oversized_photo_is_refused(alice_client, alice, settings):
    settings.REQUEST_PHOTO_MAX_BYTES = 500

    response = new_request(
        alice_client, property_of(alice.contact), photos=[png("big.png", size=(300, 300))]
    )

    assert response.status_code == 400
    assert "“big.png” is larger than 500" in response.content.decode()
    assert not Issue.objects.exists()


def test_too_many_photos_are_refused(alice_client, alice, settings):
    settings.REQUEST_PHOTO_MAX_COUNT = 2

    response = new_request(alice_client, property_of(alice.contact), photos=[png(), png(), png()])

    assert response.status_code == 400
    assert "You can attach at most 2 photos at a time." in response.text
    assert not Issue.objects.exists()


def test_the_subject_is_required(alice_client, alice):
    response = new_request(alice_client, property_of(alice.contact), subject="")

    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_alice_comments_with_a_photo_and_it_is_public(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))

    response = alice_client.post(
        f"/requests/{issue.pk}/comment/", {"body": "It leaks again.", "photos": [png()]}
    )

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/requests/{issue.pk}/#comment-{comment.pk}"
    assert (comment.author_contact, comment.is_public, comment.body) == (
        alice.contact,
        True,
        "It leaks again.",
    )
    assert [p.comment for p in Photo.objects.all()] == [comment]
    assert "It leaks again." in alice_client.get(f"/requests/{issue.pk}/").text


def test_staff_are_notified_of_a_comment(alice_client, alice):
    company = Company.load()
    company.staff_notification_email = "office@greenway.example"
    company.save()
    issue = IssueFactory(property=property_of(alice.contact))

    alice_client.post(f"/requests/{issue.pk}/comment/", {"body": "Any news?"})

    assert OutgoingEmail.objects.get().subject == (
        "Alice Arnold commented on “Broken sprinkler head”"
    )


def test_a_refused_comment_photo_keeps_the_comment_typed(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))

    response = alice_client.post(
        f"/requests/{issue.pk}/comment/", {"body": "Look at this", "photos": [text_named_jpg()]}
    )

    assert response.status_code == 400
    assert "Look at this</textarea>" in response.text
    assert "is not a photo we can use" in response.text
    assert "choose them again" in response.text
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))

    response = alice_client.post(f"/requests/{issue.pk}/comment/", {"body": ""})

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_closed_request_can_still_be_commented_on(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact), status=Issue.Status.CLOSED)

    page = alice_client.get(f"/requests/{issue.pk}/")
    alice_client.post(f"/requests/{issue.pk}/comment/", {"body": "Broken again"})

    assert "This request is closed" in page.text
    assert issue.comments.get().body == "Broken again"
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED


def test_the_comment_form_only_posts(alice_client, alice):
    issue = IssueFactory(property=property_of(alice.contact))
    assert alice_client.get(f"/requests/{issue.pk}/comment/").status_code == 405


def test_a_9000_by_9000_photo_is_refused_fast_and_what_was_typed_is_kept(alice_client, alice):
    home = property_of(alice.contact)
    bomb = upload("lawn.png", png_claiming(9000, 9000))

    started = time.monotonic()
    response = new_request(
        alice_client, home, subject="Bare lawn", description="Half of it.", photos=[bomb]
    )
    took = time.monotonic() - started

    assert response.status_code == 400
    assert "“lawn.png” has more than 60 megapixels, the most we take." in response.text
    assert 'value="Bare lawn"' in response.text and "Half of it." in response.text
    assert not Issue.objects.exists()
    assert took < 1.0


def test_the_form_says_how_many_pixels_a_photo_may_have(alice_client, alice):
    property_of(alice.contact)

    response = alice_client.get("/requests/new/")

    assert "60 megapixels each" in response.text


def test_past_the_hourly_photos_a_request_is_refused_with_its_text_kept(
    alice_client, alice, settings
):
    settings.REQUEST_PHOTOS_PER_HOUR = 2
    home = property_of(alice.contact)
    new_request(alice_client, home, photos=[png(), png()])

    response = new_request(alice_client, home, subject="Second hedge", photos=[png()])

    assert response.status_code == 400
    assert "You can send up to 2 photos an hour." in response.text
    assert 'value="Second hedge"' in response.text
    assert Issue.objects.count() == 1
    assert new_request(alice_client, home, subject="No photos").status_code == 302


def test_the_hourly_photos_count_for_comments_too(alice_client, alice, settings):
    settings.REQUEST_PHOTOS_PER_HOUR = 1
    home = property_of(alice.contact)
    new_request(alice_client, home, photos=[png()])
    issue = Issue.objects.get()

    response = alice_client.post(
        f"/requests/{issue.pk}/comment/", {"body": "One more", "photos": [png()]}
    )

    assert response.status_code == 400
    assert "You can send up to 1 photo an hour." in response.text
    assert "One more" in response.text
    assert not Comment.objects.exists()
