"""Where to go after a step (sign-in, the two-factor code, a button): the
`next` the request names, only when it is a page of this site; anywhere else
could send a person to a look-alike site. Shared by the portal and the office."""

from __future__ import annotations

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_page_or(request: HttpRequest, fallback: str) -> str:
    """`next` from the form or the query string if it stays on this site, else `fallback`
    (a URL or a URL name, as redirect() takes)."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
