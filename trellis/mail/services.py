from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.mail.compose import compose_from_files
from trellis.mail.delivery import email_enqueue_delivery
from trellis.mail.headers import header_safe
from trellis.mail.links import link_mask, secret_seal
from trellis.mail.models import OutgoingAttachment, OutgoingEmail
from trellis.mail.senders import Sender, sender_for_company

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


def new_message_id(domain: str) -> str:
    """A Message-ID of 144 random bits in URL-safe base64: letters with few
    digits, so no id ever looks like a card number to a scan for them (the
    standard library's ids carry a 64-bit decimal number)."""
    return f"<{secrets.token_urlsafe(18)}@{domain}>"


def email_queue(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    sender: Sender,
    contact: Contact | None = None,
    about: models.Model | None = None,
    attachments: Iterable[Attachment] = (),
    link_secret: str = "",
    link_expires_at: dt.datetime | None = None,
) -> OutgoingEmail:
    """Store an email to be sent, and have it delivered once the caller commits.

    Call it inside the transaction of the action that causes the email: if that
    rolls back, the email never existed; if it commits, the row is there to be
    delivered and retried until it is sent.

    `link_secret` is the token of a link that lets the recipient in: the row
    keeps the subject and bodies with it masked, and the token itself only
    encrypted, until the email is sent or `link_expires_at`, whichever is first.
    """
    if link_secret and link_expires_at is None:
        raise ValueError("a link secret needs the time its link stops working")
    domain = sender.from_header.rpartition("@")[2].rstrip(">") or "trellis.invalid"
    email = OutgoingEmail.objects.create(
        kind=kind,
        to_address=to,
        from_address=header_safe(sender.from_header),
        reply_to=header_safe(sender.reply_to),
        subject=link_mask(header_safe(subject), secret=link_secret),
        body_text=link_mask(text, secret=link_secret),
        body_html=link_mask(html, secret=link_secret),
        link_secret=secret_seal(link_secret) if link_secret else "",
        link_expires_at=link_expires_at if link_secret else None,
        message_id=new_message_id(domain),
        contact=contact,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=str(about.pk) if about is not None else "",
    )
    OutgoingAttachment.objects.bulk_create(
        OutgoingAttachment(
            email=email,
            filename=header_safe(a.filename),
            content=a.content,
            content_type=a.content_type,
        )
        for a in attachments
    )
    email_enqueue_delivery(email_id=email.pk)
    return email


def email_queue_from_company(
    *,
    kind: str,
    template: str,
    to: str,
    language: str,
    company: Company,
    context: dict[str, Any],
    contact: Contact | None = None,
    about: models.Model | None = None,
    attachments: Iterable[Attachment] = (),
    link_secret: str = "",
    link_expires_at: dt.datetime | None = None,
) -> OutgoingEmail:
    """An email in the company's name whose words are ours: templates/mail/
    <template>_subject.txt, _body.txt and _body.html, in `language`. See
    `email_queue` for `link_secret`."""
    composed = compose_from_files(
        name=template, language=language, company=company, context=context
    )
    return email_queue(
        kind=kind,
        to=to,
        subject=composed.subject,
        text=composed.text,
        html=composed.html,
        sender=sender_for_company(company=company),
        contact=contact,
        about=about,
        attachments=attachments,
        link_secret=link_secret,
        link_expires_at=link_expires_at,
    )


def email_links_forget(*, email_ids: Iterable[int | None]) -> None:
    """Drop the link tokens these emails still hold: their links stopped
    working (used, replaced, revoked), so nothing should send them now."""
    ids = [pk for pk in email_ids if pk is not None]
    if ids:
        OutgoingEmail.objects.filter(pk__in=ids).exclude(link_secret="").update(link_secret="")
