"""A request's photo as an HTTP response, for the portal and the office alike.

Photos are never under a public MEDIA_URL: each view that serves one has
checked who is asking first, then hands the file over through here.
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404

from trellis.issues.models import Photo

logger = logging.getLogger(__name__)


def photo_response(photo: Photo) -> FileResponse:
    try:
        file = photo.image.open("rb")
    except FileNotFoundError:
        logger.error("Photo %s of issue %s is missing from storage", photo.pk, photo.issue_id)
        raise Http404 from None
    response = FileResponse(
        file,
        content_type=photo.content_type,
        filename=f"photo-{photo.pk}{photo.extension}",
    )
    # The type is the one Pillow decoded, not the uploader's: browsers must not guess.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Asked again each time: access ends with the role, not when a cache expires.
    response["Cache-Control"] = "private, no-cache"
    return response
