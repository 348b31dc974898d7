"""Reading the emails Trellis queued, as a customer would read them."""

from __future__ import annotations

import re

from trellis.mail.models import OutgoingEmail

LINK = re.compile(r"https?://\S+")


def link_in(email: OutgoingEmail) -> str:
    """The first link of the email's text body."""
    match = LINK.search(email.body_text)
    if match is None:
        raise AssertionError(f"no link in: {email.body_text!r}")
    return match[0]


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)
