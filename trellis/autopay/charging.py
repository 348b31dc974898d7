"""Charging the invoices of properties on autopay, by a worker.

`autopay_run(today)` (the `autopay_run` task, `trellis autopay_run`, and the
sweeper once an hour) first emails the notices due (trellis.autopay.notices),
then charges each invoice that is due to be charged: published after its
customer turned autopay on, open, and on or past its due date (or at once,
when the company charges at publishing).

Each invoice gets at most Attempt.ATTEMPTS charges, one a day. An attempt is
claimed by inserting its row (unique per invoice and number) before the
processor is called, and its payment carries the key `autopay-<invoice>-<n>`:
two workers at once charge it once, and a worker stopped half-way makes the
same charge, not another, when it runs again. The payment goes through the
one payment path (trellis.billing.payments.invoice_pay, off-session), so the
receipt, the failure email with its pay link and the inbox item are the
ones every payment gets. An attempt that cannot even be asked for (the method
was removed, say) is recorded with its problem, the customer emailed and the
office told, like a failed charge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from trellis.autopay.coverage import covered_invoices
from trellis.autopay.models import Attempt, Enrollment
from trellis.autopay.notices import autopay_notices_send
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import (
    PaymentRefused,
    PaymentUnavailable,
    invoice_pay,
    payment_retry,
)
from trellis.company.models import Company
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_add
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company

logger = logging.getLogger(__name__)


@dataclass
class AutopayRun:
    notices: int = 0
    charged: int = 0  # charges asked for (succeeded, processing or declined)
    problems: int = 0  # attempts that could not be asked for

    def summary(self) -> str:
        return (
            f"autopay: {self.notices} notice(s) emailed, {self.charged} charge(s) made, "
            f"{self.problems} could not be charged"
        )


def autopay_run(*, today: date | None = None) -> AutopayRun:
    today = today or timezone.localdate()
    company = Company.load()
    run = AutopayRun(notices=autopay_notices_send(today=today, company=company))
    for enrollment in Enrollment.objects.filter(ended_at__isnull=True).select_related(
        "contact", "method", "property"
    ):
        for invoice in invoices_to_charge(enrollment=enrollment, company=company, today=today):
            # In the customer's language: the processor's reasons are kept as
            # they will read them.
            with translation.override(enrollment.contact.language):
                outcome = _attempt(
                    invoice=invoice, enrollment=enrollment, company=company, today=today
                )
            if outcome == "charged":
                run.charged += 1
            elif outcome == "problem":
                run.problems += 1
    return run


def invoices_to_charge(
    *, enrollment: Enrollment, company: Company, today: date
) -> QuerySet[Invoice]:
    invoices = covered_invoices(enrollment=enrollment, company=company)
    if company.autopay_charge_on == Company.AutopayCharge.DUE_DATE:
        invoices = invoices.filter(due_on__lte=today)
    return invoices.order_by("due_on", "pk")


def _attempt(*, invoice: Invoice, enrollment: Enrollment, company: Company, today: date) -> str:
    """Make today's attempt at `invoice`, if one is due: "charged", "problem",
    or "" when none was (already paid, tried today, three tries made, a
    payment on its way, or another worker has it)."""
    attempts = list(
        Attempt.objects.filter(invoice=invoice).select_related("payment").order_by("number")
    )
    last = attempts[-1] if attempts else None
    if last is not None and last.payment is None and not last.problem:
        # Claimed, and the worker stopped before the payment was stored: the
        # same attempt, with the same key.
        return _charge(last, invoice=invoice, enrollment=enrollment, company=company)
    if last is not None and last.payment is not None:
        if last.payment.status == Payment.Status.SUCCEEDED:
            return ""
        if last.payment.status == Payment.Status.PENDING:
            if not last.payment.processing:
                _ask_again(last.payment, company=company)
            return ""
    if last is not None and (last.on >= today or last.number >= Attempt.ATTEMPTS):
        return ""
    if Payment.objects.filter(invoice=invoice, status=Payment.Status.PENDING).exists():
        return ""  # the customer is paying it, or a bank payment is clearing
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                invoice=invoice,
                enrollment=enrollment,
                number=(last.number + 1) if last else 1,
                on=today,
            )
    except IntegrityError:
        return ""  # another worker claimed it a moment ago
    return _charge(attempt, invoice=invoice, enrollment=enrollment, company=company)


def _charge(attempt: Attempt, *, invoice: Invoice, enrollment: Enrollment, company: Company) -> str:
    invoice.refresh_from_db()
    try:
        payment = invoice_pay(
            invoice_id=invoice.pk,
            contact=enrollment.contact,
            company=company,
            method=enrollment.method,
            amount=invoice.balance,
            idempotency_key=attempt.idempotency_key,
            origin=Payment.Origin.AUTOPAY,
        )
    except PaymentRefused as refused:
        _problem_record(
            attempt,
            invoice=invoice,
            enrollment=enrollment,
            company=company,
            problem=refused.message,
        )
        return "problem"
    except PaymentUnavailable as unavailable:
        payment = unavailable.payment  # pending: asked about again on the next run
    except Invoice.DoesNotExist:
        _problem_record(
            attempt,
            invoice=invoice,
            enrollment=enrollment,
            company=company,
            problem="The invoice is no longer shown to the customer.",
        )
        return "problem"
    Attempt.objects.filter(pk=attempt.pk, payment__isnull=True).update(payment=payment)
    return "charged"


def _ask_again(payment: Payment, *, company: Company) -> None:
    try:
        payment_retry(payment=payment, company=company)
    except PaymentUnavailable:
        logger.warning("Autopay payment %s: the processor did not answer again", payment.pk)


def _problem_record(
    attempt: Attempt, *, invoice: Invoice, enrollment: Enrollment, company: Company, problem: str
) -> None:
    """An attempt that could not be asked of the processor: recorded, the
    customer emailed with a link to pay, the office told; once."""
    with transaction.atomic():
        if not Attempt.objects.filter(pk=attempt.pk, payment__isnull=True, problem="").update(
            problem=problem[:300]
        ):
            return
        contact = enrollment.contact
        if contact.email:
            email_queue_from_company(
                kind=OutgoingEmail.Kind.NOTIFICATION,
                template="autopay_failed",
                to=contact.email,
                language=contact.language,
                company=company,
                context={
                    "contact": contact,
                    "invoice": invoice,
                    "reason": problem,
                    "link": settings.PUBLIC_BASE_URL
                    + reverse("portal:invoice-pay", args=[invoice.pk]),
                },
                contact=contact,
                about=invoice,
            )
        inbox_item_add(
            kind=InboxItem.Kind.PAYMENT_FAILED,
            company=company,
            property=invoice.property,
            contact=contact,
            invoice=invoice,
            data={"amount": str(invoice.balance), "reason": f"Autopay: {problem}"},
        )
