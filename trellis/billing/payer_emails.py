"""The emails a payment's payer gets: the receipt, a payment that did not go
through, and (trellis.billing.refunds) a refund; each in the payer's
language, with a link to the invoice, queued in the caller's transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from trellis.billing.models import Invoice, Payment
from trellis.company.models import Company
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company


def receipt_queue(*, payment: Payment, invoice: Invoice, company: Company) -> None:
    """Queue the payer's receipt, in their language, with a link to the
    invoice; none for a payer who turned receipts off (Manage Payments)."""
    if payment.paid_by is not None and not payment.paid_by.receipt_emails:
        return
    payer_email_queue(
        payment=payment,
        invoice=invoice,
        company=company,
        kind=OutgoingEmail.Kind.RECEIPT,
        template="payment_receipt",
        context={
            "method": payment.method or payment.get_means_display(),
            "reference": payment.processor_reference or payment.reference,
        },
    )


def payer_tell_failed(*, payment: Payment, company: Company) -> None:
    """Queue the payer's email that the payment did not go through, with the
    reason and a link to pay the invoice again; in the caller's transaction.
    Sent whatever the payer's receipt setting says."""
    payer_email_queue(
        payment=payment,
        invoice=payment.invoice,
        company=company,
        kind=OutgoingEmail.Kind.NOTIFICATION,
        template="payment_failed",
        context={"method": payment.method or ""},
    )


def payer_email_queue(
    *,
    payment: Payment,
    invoice: Invoice,
    company: Company,
    kind: str,
    template: str,
    context: dict[str, object],
    about: models.Model | None = None,
) -> None:
    """Queue an email about `payment` to its payer (a receipt, a payment that did
    not go through, a refund), in their language, with a link to the invoice;
    nothing if the payer has no email address."""
    contact = payment.paid_by
    if contact is None or not contact.email:
        return
    email_queue_from_company(
        kind=kind,
        template=template,
        to=contact.email,
        language=contact.language,
        company=company,
        context={
            "contact": contact,
            "payment": payment,
            "invoice": invoice,
            "link": settings.PUBLIC_BASE_URL + reverse("portal:invoice", args=[invoice.pk]),
            **context,
        },
        contact=contact,
        about=about or payment,
    )
