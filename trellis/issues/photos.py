"""The photos a customer attaches to a request or a comment: checked, decoded
and re-encoded here before the services store them.

What a photo may cost us is bounded before any pixel is decoded: its size in
bytes, how many come at once, how many the account sent in the last hour, and
how many pixels its header claims (a 258 KB PNG can claim 9000 x 9000 pixels,
which take seconds and most of a gigabyte to decode).
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from trellis.customers.models import Contact
from trellis.issues.models import Photo

logger = logging.getLogger(__name__)

# The formats a photo may be in, by the name Pillow gives the decoder that read it.
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo that decoded as an image we take, re-encoded without its metadata."""

    content: bytes
    content_type: str
    original_name: str


def pillow_limit_set() -> None:
    """Make Pillow's own decompression-bomb limit ours, for every image this
    process opens (photos, signatures, logos): past it Pillow warns, and at
    twice it refuses. The photo check turns the warning into a refusal too."""
    Image.MAX_IMAGE_PIXELS = settings.REQUEST_PHOTO_MAX_PIXELS


def request_photos_check(*, contact: Contact, photos: Sequence[UploadedFile]) -> list[CheckedPhoto]:
    """Decode each photo and re-encode it, or refuse them all with a ValidationError
    whose messages say what is wrong in the customer's words. The services take
    photos only in the form this returns, so none is stored unchecked.

    The counts (at once, and sent by `contact` in the last hour) are checked
    before any file is opened, and each file's pixels before it is decoded.

    The file name and the content type the browser sent are the customer's to
    choose, so neither is trusted: a photo is what Pillow decodes as JPEG, PNG or
    WebP. Re-encoding drops the EXIF block, where a phone writes the GPS position
    of the customer's home, after turning the picture the way EXIF said to.
    """
    if not photos:
        return []
    max_count = settings.REQUEST_PHOTO_MAX_COUNT
    if len(photos) > max_count:
        raise ValidationError(
            ngettext(
                "You can attach at most %(count)d photo at a time.",
                "You can attach at most %(count)d photos at a time.",
                max_count,
            )
            % {"count": max_count},
            code="too_many",
        )
    _hourly_allowance_check(contact=contact, count=len(photos))
    checked, errors = [], []
    for photo in photos:
        try:
            checked.append(_photo_check(photo))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


def photos_sent_in_the_last_hour(*, contact: Contact) -> int:
    since = timezone.now() - timedelta(hours=1)
    return Photo.objects.filter(uploaded_by_contact=contact, created_at__gte=since).count()


def _hourly_allowance_check(*, contact: Contact, count: int) -> None:
    # Counted from the photos stored: a refused photo cost little, and was not kept.
    per_hour = settings.REQUEST_PHOTOS_PER_HOUR
    left = max(0, per_hour - photos_sent_in_the_last_hour(contact=contact))
    if count <= left:
        return
    limit = ngettext(
        "You can send up to %(limit)d photo an hour.",
        "You can send up to %(limit)d photos an hour.",
        per_hour,
    ) % {"limit": per_hour}
    if left:
        rest = ngettext(
            "You can attach %(left)d more now, or the others later.",
            "You can attach %(left)d more now, or the others later.",
            left,
        ) % {"left": left}
    else:
        rest = _("Send this without photos now, and attach them later.")
    raise ValidationError(f"{limit} {rest}", code="hourly_limit")


def _too_many_pixels(name: str) -> ValidationError:
    megapixels = f"{settings.REQUEST_PHOTO_MAX_PIXELS / 1_000_000:g}"
    return ValidationError(
        _(
            "“%(name)s” has more than %(megapixels)s megapixels, the most we take. "
            "Choose a smaller photo, or save it at a lower resolution."
        )
        % {"name": name, "megapixels": megapixels},
        code="too_many_pixels",
    )


def _photo_check(photo: UploadedFile) -> CheckedPhoto:
    name = (photo.name or "").rsplit("/", 1)[-1][:200]
    max_bytes = settings.REQUEST_PHOTO_MAX_BYTES
    if photo.size is None or photo.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is larger than %(size)s. Choose a smaller photo.")
            % {"name": name, "size": filesizeformat(max_bytes)},
            code="too_large",
        )
    try:
        photo.seek(0)
        with warnings.catch_warnings():
            # Past Pillow's limit (see pillow_limit_set) it only warns: refuse instead.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Image.open reads the header only; load() is what decodes the pixels.
            with Image.open(photo, formats=list(PHOTO_FORMATS)) as image:
                width, height = image.size
                if width * height > settings.REQUEST_PHOTO_MAX_PIXELS:
                    raise _too_many_pixels(name)
                image.load()
                image_format = image.format or ""
                content = _reencoded(image, image_format)
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(name) from None
    except Exception:  # whatever a decoder raises on a non-image, it is not one
        # Kept with its traceback, should a real photo ever be refused by mistake.
        logger.info("Photo %r refused: it does not decode", name, exc_info=True)
        raise ValidationError(
            _("“%(name)s” is not a photo we can use. Choose a JPEG, PNG or WebP image.")
            % {"name": name},
            code="not_an_image",
        ) from None
    return CheckedPhoto(
        content=content, content_type=PHOTO_FORMATS[image_format], original_name=name
    )


# What a saved image may carry over from the original: the rest (EXIF, XMP,
# comments, text chunks) is metadata the customer never meant to send us.
KEPT_INFO = ("transparency",)


def _reencoded(image: Image.Image, image_format: str) -> bytes:
    upright = ImageOps.exif_transpose(image)  # a copy, turned the way EXIF said
    icc_profile = image.info.get("icc_profile")
    upright.info = {key: upright.info[key] for key in KEPT_INFO if key in upright.info}
    options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        options |= {"quality": 90}
    elif image_format == "WEBP":
        if upright.mode not in ("RGB", "RGBA"):
            upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
        options |= {"quality": 90}
    out = io.BytesIO()
    upright.save(out, image_format, **options)
    return out.getvalue()
