"""The portal's language, on every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from trellis.accounts.preview import preview_of
from trellis.portal.preview import in_portal


class CustomerLanguageMiddleware:
    """A signed-in customer sees the portal in the language of their profile,
    and so do staff viewing the portal as that customer: on the portal's pages
    only, never in the office."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_of(request)
        if language is None:
            return self.get_response(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            return self.get_response(request)

    def language_of(self, request: HttpRequest) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return None
        contact = getattr(user, "contact", None)
        if contact is not None:
            return str(contact.language)
        if user.is_staff and in_portal(request):
            preview = preview_of(request)
            return preview.contact.language if preview else None
        return None
