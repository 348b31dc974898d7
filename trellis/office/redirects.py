"""Back to where a button was pressed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect

from trellis.next_page import next_page_or


def redirect_next_or(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """To the POSTed `next` (such as a contact's troubleshoot page, where the
    button was) when it is a page of this site; anywhere else it could send
    staff to a look-alike site, so then to `fallback`."""
    return HttpResponseRedirect(next_page_or(request, fallback))
