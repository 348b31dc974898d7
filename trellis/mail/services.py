from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import make_msgid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from trellis.customers.models import Contact
from trellis.mail.delivery import email_enqueue_delivery
from trellis.mail.models import OutgoingAttachment, OutgoingEmail
from trellis.mail.senders import Sender

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


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
) -> OutgoingEmail:
    """Store an email to be sent, and have it delivered once the caller commits.

    Call it inside the transaction of the action that causes the email: if that
    rolls back, the email never existed; if it commits, the row is there to be
    delivered and retried until it is sent.
    """
    domain = sender.from_header.rpartition("@")[2].rstrip(">") or "trellis.invalid"
    email = OutgoingEmail.objects.create(
        kind=kind,
        to_address=to,
        from_address=sender.from_header,
        reply_to=sender.reply_to,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=make_msgid(domain=domain),
        contact=contact,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=str(about.pk) if about is not None else "",
    )
    OutgoingAttachment.objects.bulk_create(
        OutgoingAttachment(
            email=email, filename=a.filename, content=a.content, content_type=a.content_type
        )
        for a in attachments
    )
    email_enqueue_delivery(email_id=email.pk)
    return email
