"""Checking the photos customers attach (trellis.issues.photos)."""

import io
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image, ImageFile

from trellis.customers.models import PropertyContact
from trellis.issues.models import Photo
from trellis.issues.photos import request_photos_check
from trellis.issues.services import request_open
from trellis.issues.tests.photos import (
    GPS_IFD,
    checked,
    image_bytes,
    jpeg_with_location,
    png,
    png_claiming,
    text_named_jpg,
    upload,
)
from trellis.testing.factories import PropertyContactFactory

pytestmark = pytest.mark.django_db

TOO_MANY_PIXELS = (
    "“{name}” has more than {mp} megapixels, the most we take. "
    "Choose a smaller photo, or save it at a lower resolution."
)


def check(contact, *uploads):
    return request_photos_check(contact=contact, photos=list(uploads))


def refusal_codes(refused):
    return [error.code for error in refused.value.error_list]


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_jpeg_png_and_webp_are_taken_whatever_they_are_called(alice, image_format, content_type):
    upload_ = upload("photo.gif", image_bytes(image_format), "application/octet-stream")

    [checked_] = check(alice.contact, upload_)

    assert checked_.content_type == content_type


def test_an_image_of_another_format_is_refused(alice):
    gif = upload("photo.png", image_bytes("GIF"))

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, gif)

    assert refused.value.messages == [
        "“photo.png” is not a photo we can use. Choose a JPEG, PNG or WebP image."
    ]


def test_a_text_file_named_like_a_photo_is_refused_by_name(alice):
    with pytest.raises(ValidationError) as refused:
        check(alice.contact, png(), text_named_jpg(), upload("notes.png", b""))

    assert refused.value.messages == [
        "“photo.jpg” is not a photo we can use. Choose a JPEG, PNG or WebP image.",
        "“notes.png” is not a photo we can use. Choose a JPEG, PNG or WebP image.",
    ]


def test_a_photo_over_the_size_limit_is_refused(alice, settings):
    settings.REQUEST_PHOTO_MAX_BYTES = 1000

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, png("big.png", size=(400, 400)))

    assert refused.value.messages == [
        "“big.png” is larger than 1000\xa0bytes. Choose a smaller photo."
    ]


def test_more_photos_than_allowed_are_refused(alice, settings):
    settings.REQUEST_PHOTO_MAX_COUNT = 2

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, png(), png(), png())

    assert refused.value.messages == ["You can attach at most 2 photos at a time."]


def test_a_truncated_image_is_refused(alice):
    whole = image_bytes("JPEG", size=(64, 64))
    broken = upload("broken.jpg", whole[: len(whole) // 2], "image/jpeg")

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, broken)

    assert refusal_codes(refused) == ["not_an_image"]


def test_where_a_photo_was_taken_is_not_kept_and_it_is_turned_upright(alice):
    [checked_] = check(alice.contact, jpeg_with_location())

    with Image.open(io.BytesIO(checked_.content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(GPS_IFD)
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert image.size == (6, 8)  # was 8 by 6, with "rotate 90°"


# --- pixels: refused from the header, before decoding -------------------------


def test_a_9000_by_9000_image_of_a_few_kilobytes_is_refused_fast(alice):
    bomb = upload("lawn.png", png_claiming(9000, 9000))
    assert bomb.size < 300 * 1024

    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        check(alice.contact, bomb)
    took = time.monotonic() - started

    assert refused.value.messages == [TOO_MANY_PIXELS.format(name="lawn.png", mp=60)]
    assert took < 1.0  # decoding it took 6.9 s and 731 MB


@pytest.fixture
def strict_decoding(monkeypatch):
    # WeasyPrint, once imported, lets Pillow fill a broken image with grey.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)


def test_the_pixels_are_refused_before_any_is_decoded(alice, monkeypatch, strict_decoding):
    # Its pixel data is broken: a decode would refuse it as "not an image".
    broken = png_claiming(9000, 9000, pixels=False)
    # With Pillow's own limit out of the way, only the header check stands.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, upload("lawn.png", broken))

    assert refusal_codes(refused) == ["too_many_pixels"]


def test_the_same_broken_file_under_the_limit_is_decoded_and_refused_as_not_an_image(
    alice, settings, monkeypatch, strict_decoding
):
    settings.REQUEST_PHOTO_MAX_PIXELS = 100_000_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, upload("lawn.png", png_claiming(9000, 9000, pixels=False)))

    assert refusal_codes(refused) == ["not_an_image"]


def test_the_limit_comes_from_the_settings_and_is_named_in_the_message(alice, settings):
    settings.REQUEST_PHOTO_MAX_PIXELS = 2_500_000

    [taken] = check(alice.contact, upload("small.png", png_claiming(1000, 2500)))
    with pytest.raises(ValidationError) as refused:
        check(alice.contact, upload("big.png", png_claiming(1001, 2500)))

    assert taken.content_type == "image/png"
    assert refused.value.messages == [TOO_MANY_PIXELS.format(name="big.png", mp=2.5)]


def test_pillows_own_limit_is_ours_and_past_it_the_photo_is_refused_the_same_way(
    alice, settings, monkeypatch
):
    assert Image.MAX_IMAGE_PIXELS == settings.REQUEST_PHOTO_MAX_PIXELS
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow refuses at open

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, png("huge.png", size=(20, 20)))

    assert refused.value.messages == [TOO_MANY_PIXELS.format(name="huge.png", mp=60)]


# --- photos an account may send an hour ---------------------------------------


@pytest.fixture
def sent_three(alice):
    """Alice opened a request with three photos a moment ago."""
    home = PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.PRIMARY).property
    request_open(
        contact=alice.contact,
        property=home,
        subject="Hedge",
        description="",
        photos=checked(alice.contact, png(), png(), png()),
    )


def test_past_the_hourly_limit_photos_are_refused_with_what_is_left(alice, settings, sent_three):
    settings.REQUEST_PHOTOS_PER_HOUR = 4

    with pytest.raises(ValidationError) as refused:
        check(alice.contact, png(), png())

    assert refused.value.messages == [
        "You can send up to 4 photos an hour. You can attach 1 more now, or the others later."
    ]
    assert len(check(alice.contact, png())) == 1


def test_with_nothing_left_the_customer_is_told_to_send_without_photos(alice, settings, sent_three):
    settings.REQUEST_PHOTOS_PER_HOUR = 3

    with pytest.raises(ValidationError) as refused:
        # Not even opened: the count comes before any file is read.
        check(alice.contact, text_named_jpg())

    assert refused.value.messages == [
        "You can send up to 3 photos an hour. Send this without photos now, and attach them later."
    ]
    assert check(alice.contact) == []


def test_photos_older_than_an_hour_and_other_accounts_photos_do_not_count(
    alice, charlie, settings, sent_three
):
    settings.REQUEST_PHOTOS_PER_HOUR = 3

    assert len(check(charlie, png())) == 1
    Photo.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert len(check(alice.contact, png(), png(), png())) == 3
