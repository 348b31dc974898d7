"""Publishing a proposal or invoice: printing it or emailing it to the customer.

Either one publishes the document to the portal (trellis.visibility,
Published): `printed_at` and `emailed_at` keep the first time it was printed
and emailed, and the audit log records every print and every send.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.documents.pdf import money_text
from trellis.documents.pdf_cache import stored_document_pdf
from trellis.documents.selectors import Document, document_recipient, document_recipient_role
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import Attachment, email_queue_from_company
from trellis.proposals.models import Proposal


class PublishRefused(Exception):
    """Why this document cannot be printed or emailed, in words for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _kind(document: Document) -> str:
    return "invoice" if isinstance(document, Invoice) else "proposal"


def _locked(document: Document) -> Document:
    """The document's row, locked until the transaction ends, with its property."""
    model = type(document)
    return (
        model._default_manager.select_related("property")
        .select_for_update(of=("self",))
        .get(pk=document.pk)
    )


def _refresh(document: Document, locked: Document) -> None:
    """Give the caller's instance what the service changed."""
    document.printed_at, document.emailed_at = locked.printed_at, locked.emailed_at
    if isinstance(document, Proposal) and isinstance(locked, Proposal):
        document.status = locked.status


def document_publish_check(*, document: Document) -> None:
    """Raise PublishRefused if the document may not go to the customer at all."""
    if isinstance(document, Invoice):
        if document.status == Invoice.Status.DRAFT:
            raise PublishRefused(
                f"{document} is a draft: issue the invoice first "
                "(the Issue invoice button on its page)."
            )
        if document.status == Invoice.Status.VOID:
            raise PublishRefused(f"{document} is void: it is not sent to the customer.")
    elif document.status == Proposal.Status.WITHDRAWN:
        raise PublishRefused(f"{document} was withdrawn: it is not sent to the customer.")


def document_email_recipient(*, document: Document) -> Contact:
    """The contact an emailed document goes to, or PublishRefused saying why
    there is none: an invoice goes to the property's Billing contact, a
    proposal to its Primary contact."""
    document_publish_check(document=document)
    role = document_recipient_role(document=document).label
    recipient = document_recipient(document=document)
    if recipient is None:
        raise PublishRefused(
            f"{document.property} has no {role} contact to email {document} to: "
            "add one on the property's page."
        )
    contact = recipient.contact
    if not contact.email:
        raise PublishRefused(
            f"{contact.full_name}, the {role} contact of {document.property}, has no "
            f"email address to send {document} to: add one to the contact."
        )
    return contact


def _publish_draft_proposal(document: Document) -> list[str]:
    # A published proposal is in front of the customer, who can approve or
    # decline it: that is what Sent means.
    if isinstance(document, Proposal) and document.status == Proposal.Status.DRAFT:
        document.status = Proposal.Status.SENT
        return ["status"]
    return []


def document_print(*, document: Document, actor: User | None) -> bytes:
    """The document's PDF; printing publishes it to the portal.

    `printed_at` keeps the first print; printing again is allowed and returns
    the PDF of the document as it is now (rendered once per version and kept,
    trellis.documents.pdf_cache, so the portal serves the one printed). A draft
    proposal becomes Sent. Every print is audited.
    """
    with transaction.atomic():
        locked = _locked(document)
        document_publish_check(document=locked)
        first = locked.printed_at is None
        changed = _publish_draft_proposal(locked)
        if first:
            locked.printed_at = timezone.now()
            changed.append("printed_at")
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        pdf = stored_document_pdf(document=locked)
        audit_record(
            action=f"{_kind(locked)}.printed",
            target=locked,
            actor=actor,
            data={"first_print": first},
        )
    _refresh(document, locked)
    return pdf


def attachment_filename(document: Document) -> str:
    """ "Invoice INV-1001.pdf": the number, without what a file name can't hold."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", str(document)) + ".pdf"


def portal_url(document: Document) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"portal:{_kind(document)}", args=[document.pk])


def document_email(*, document: Document, actor: User | None) -> OutgoingEmail:
    """Email the document's PDF to its customer through the outbox.

    Invoices go to the property's Billing contact, proposals to its Primary
    contact, in the contact's language; raises PublishRefused when there is
    nobody to send it to or the document is not for sending (a draft or void
    invoice, a withdrawn proposal). Emailing publishes the document to the
    portal: `emailed_at` keeps the first send, a draft proposal becomes Sent,
    and every send is audited.
    """
    company = Company.load()
    with transaction.atomic():
        locked = _locked(document)
        contact = document_email_recipient(document=locked)
        changed = _publish_draft_proposal(locked)
        if locked.emailed_at is None:
            locked.emailed_at = timezone.now()
            changed.append("emailed_at")
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        with translation.override(contact.language):
            pdf = stored_document_pdf(document=locked)
        kind = _kind(locked)
        email = email_queue_from_company(
            kind=OutgoingEmail.Kind.DOCUMENT,
            template=f"document_{kind}",
            to=contact.email,
            language=contact.language,
            company=company,
            contact=contact,
            about=locked,
            attachments=[Attachment(filename=attachment_filename(locked), content=pdf)],
            context={
                "contact": contact,
                "document": locked,
                "property": locked.property,
                "total": money_text(locked.total, company.currency),
                "balance": money_text(locked.balance, company.currency)
                if isinstance(locked, Invoice)
                else "",
                "link": portal_url(locked),
            },
        )
        audit_record(
            action=f"{kind}.emailed",
            target=locked,
            actor=actor,
            data={"to": contact.email, "contact": contact.pk, "email": email.pk},
        )
    _refresh(document, locked)
    return email
