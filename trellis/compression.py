"""Pages and other text gzipped for a browser that asks (Django's
GZipMiddleware), but not what is compressed already — PDFs, photos and other
images, archives: gzipping those again costs CPU on every download and saves
nothing. SVG is text, and is compressed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSED_ALREADY = ("application/pdf", "image/", "application/zip", "font/woff")


class TextGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        content_type = response.get("Content-Type", "")
        if content_type.startswith(COMPRESSED_ALREADY) and "svg" not in content_type:
            return response
        return super().process_response(request, response)
