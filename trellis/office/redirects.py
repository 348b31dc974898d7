"""Back to where a button was pressed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_next_or(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """To the POSTed `next` (such as a contact's troubleshoot page, where the
    button was) when it is a page of this site; anywhere else it could send
    staff to a look-alike site, so then to `fallback`."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(fallback)
