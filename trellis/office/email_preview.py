"""One email as the office shows it, the same on every page that shows it (the
office's email page and the old admin page): its text with links staff can
follow, its HTML in a sandboxed frame, what it is about, its attachments as
downloads, and what staff are told when they retry it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import urlize
from django.utils.html import escape, format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString

from trellis.accounts.models import AccessToken, User
from trellis.mail.delivery import email_retry
from trellis.mail.headers import header_safe
from trellis.mail.links import MASK
from trellis.mail.models import OutgoingAttachment, OutgoingEmail
from trellis.office.pages import page_of

# What an attachment may be served as; anything else (HTML, SVG, XML, scripts:
# types a browser could run) downloads as bytes. Each is a download anyway.
SAFE_ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/octet-stream",
        "text/plain",
        "text/csv",
        "text/calendar",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    }
)


def email_text_shown(email: OutgoingEmail) -> SafeString:
    """The text part, with clickable links so staff can check where an email
    points; a masked link leads nowhere, so it stays text."""
    text = email.body_text
    shown = escape(text) if email.has_masked_link else urlize(text, autoescape=True)
    return format_html('<div style="white-space: pre-wrap; font-family: monospace">{}</div>', shown)


def email_html_frame(email: OutgoingEmail) -> SafeString:
    """The HTML part in an iframe (empty when the email has none).

    The message's own HTML, shown as the recipient's mail program would, but
    isolated: no scripts and a unique origin (no allow-same-origin), so it can
    neither run code nor reach the office's cookies and pages. Its links open in
    a new tab. Its size is in office/email_preview.css: the column's width and
    most of the screen's height (no script may measure the message, under the CSP).
    """
    if not email.body_html:
        return SafeString("")
    return format_html(
        '<iframe title="HTML version of the email" srcdoc="{}" class="email-preview" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer">'
        "</iframe>",
        _links_open_in_new_tab(email.body_html),
    )


def email_masked_link_note(email: OutgoingEmail) -> SafeString:
    """Why the link in an invitation or reset shows as a mask (empty when it has none)."""
    if not email.has_masked_link:
        return SafeString("")
    return format_html(
        "The link in this email is shown here as {}: the link that works went only to "
        "{}. To help the customer in, send them a new invitation or password reset from "
        "their contact's page.",
        MASK,
        email.to_address,
    )


@dataclass(frozen=True)
class About:
    label: str
    url: str  # empty when what it is about has no page


def email_about(email: OutgoingEmail) -> About | None:
    """What the email is about (an invoice, a proposal, a request…), with its
    office page; an emailed link (an invitation, a reset) by the contact it
    let in, on their page."""
    if email.about_type is None or not email.about_id:
        return None
    model = email.about_type.model_class()
    about = model._default_manager.filter(pk=email.about_id).first() if model else None
    if isinstance(about, AccessToken):
        if about.contact is None:  # a staff member's link: theirs alone
            return About(about.get_purpose_display(), "")
        return About(f"{about.get_purpose_display()} of {about.contact}", page_of(about.contact))
    if about is None:
        return About(f"{email.about_type.name} {email.about_id} (no longer exists)", "")
    return About(f"{str(about._meta.verbose_name).capitalize()} {about}", page_of(about))


def email_attachment_download(*, email_id: int, attachment_id: int) -> HttpResponse:
    """One attachment of one email (404 under any other email), as a download."""
    attachment = get_object_or_404(OutgoingAttachment, pk=attachment_id, email_id=email_id)
    # Always a download, never shown in the office's origin: an attachment
    # is whatever was sent, and could be HTML.
    response = HttpResponse(
        bytes(attachment.content), content_type=safe_content_type(attachment.content_type)
    )
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=header_safe(attachment.filename))
        or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def safe_content_type(content_type: str) -> str:
    """The attachment's own type if a browser cannot run it, else plain bytes."""
    essence = content_type.split(";", 1)[0].strip().lower()
    return content_type if essence in SAFE_ATTACHMENT_TYPES else "application/octet-stream"


def email_retry_and_tell(request: HttpRequest, email: OutgoingEmail) -> bool:
    """Retry a failed email for the staff member asking, and tell them what became of it."""
    actor = request.user if isinstance(request.user, User) else None
    if not email_retry(email=email, actor=actor):
        messages.warning(
            request,
            "This email is not failed, so it was left as it was: only failed email is retried.",
        )
        return False
    messages.success(request, f"Sending again to {email.to_address}: {email.get_status_display()}.")
    return True


def _links_open_in_new_tab(html: str) -> str:
    base = '<base target="_blank">'
    head = re.search(r"<head\b[^>]*>", html, re.IGNORECASE)
    if head is None:
        return base + html
    return html[: head.end()] + base + html[head.end() :]
