"""Reading the emails Trellis queued, as a customer would read them."""

from __future__ import annotations

import re

from django.core import mail

from trellis.mail.delivery import Content
from trellis.mail.links import link_unmask, secret_open
from trellis.mail.models import OutgoingEmail

LINK = re.compile(r"https?://\S+")


def as_received(email: OutgoingEmail) -> Content:
    """The subject and bodies the recipient gets. The outbox keeps a link that
    lets someone in masked (trellis.mail.links): while the email waits, its
    token is put back as delivery would; once sent, the delivered copy in
    Django's test outbox is the only one that has it."""
    if not email.has_masked_link:
        return Content(email.subject, email.body_text, email.body_html)
    if email.link_secret:  # what delivery puts back, whenever the test reads it
        secret = secret_open(email.link_secret)
        return Content(
            link_unmask(email.subject, secret=secret),
            link_unmask(email.body_text, secret=secret),
            link_unmask(email.body_html, secret=secret),
        )
    for message in getattr(mail, "outbox", []):
        if message.extra_headers.get("Message-ID") == email.message_id:
            html = next((c for c, kind in message.alternatives if kind == "text/html"), "")
            return Content(str(message.subject), str(message.body), str(html))
    raise AssertionError(f"email {email.pk} holds no link token and was never delivered")


def link_in(email: OutgoingEmail) -> str:
    """The first link of the email's text body, as the recipient gets it."""
    text = as_received(email).text
    match = LINK.search(text)
    if match is None:
        raise AssertionError(f"no link in: {text!r}")
    return match[0]


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)
