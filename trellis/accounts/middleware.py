"""Session lifetime, on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "trellis.signed_in_at"
SEEN_AT = "trellis.seen_at"
# Refresh "last seen" at most this often, so a page view rarely writes the session.
SEEN_RESOLUTION_SECONDS = 60


def session_clock_start(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """Connected to user_logged_in in AccountsConfig.ready()."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now


class SessionLifetimeMiddleware:
    """Ends a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            signed_in_at = request.session.get(SIGNED_IN_AT, 0)
            seen_at = request.session.get(SEEN_AT, 0)
            idle = now - seen_at > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - signed_in_at > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                logout(request)
            elif now - seen_at >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)
