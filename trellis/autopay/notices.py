"""The email before an autopay charge: "invoice N will be charged to your
method on <date>", sent once per invoice (Notice, unique per invoice), the
company's autopay_notice_days before the due date. When the company charges
at publishing there is no day before to tell of: the invoice's own email and
the receipt tell the customer instead."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from trellis.autopay.coverage import covered_invoices
from trellis.autopay.models import Enrollment, Notice
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company


def autopay_notices_send(*, today: date, company: Company) -> int:
    """Email the notices due today; how many were sent."""
    if company.autopay_charge_on != Company.AutopayCharge.DUE_DATE:
        return 0
    horizon = today + timedelta(days=company.autopay_notice_days)
    sent = 0
    for enrollment in Enrollment.objects.filter(ended_at__isnull=True).select_related(
        "contact", "method", "property"
    ):
        due = covered_invoices(enrollment=enrollment, company=company).filter(
            due_on__gt=today, due_on__lte=horizon, autopay_notice__isnull=True
        )
        for invoice in due:
            sent += _notice_send(invoice=invoice, enrollment=enrollment, company=company)
    return sent


def _notice_send(*, invoice: Invoice, enrollment: Enrollment, company: Company) -> int:
    contact = enrollment.contact
    try:
        with transaction.atomic():
            Notice.objects.create(invoice=invoice, enrollment=enrollment, charge_on=invoice.due_on)
            if contact.email:
                email_queue_from_company(
                    kind=OutgoingEmail.Kind.NOTIFICATION,
                    template="autopay_notice",
                    to=contact.email,
                    language=contact.language,
                    company=company,
                    context={
                        "contact": contact,
                        "invoice": invoice,
                        "method": enrollment.method,
                        "charge_on": invoice.due_on,
                        "link": settings.PUBLIC_BASE_URL
                        + reverse("portal:invoice", args=[invoice.pk]),
                        "manage_link": settings.PUBLIC_BASE_URL + reverse("portal:payment-methods"),
                    },
                    contact=contact,
                    about=invoice,
                )
    except IntegrityError:
        return 0  # another worker sent it
    return 1
