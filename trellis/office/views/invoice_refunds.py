"""Refunds of card payments on an invoice's page: what each payment had
refunded, its Refund form, the refunds listed with who asked, when and why,
and the Refund button's view.

Refunding takes billing.add_paymentrefund (the Office manager's); the money
goes back through the processor (trellis.billing.refunds), which checks the
payment and what is left of it and says why not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from trellis.billing.ledger import payments_with_refunds
from trellis.billing.models import Invoice, Payment, PaymentRefund
from trellis.billing.refunds import payment_refund
from trellis.documents.models import money
from trellis.office.guard import staff_button, staff_of
from trellis.office.redirects import redirect_next_or
from trellis.office.status_forms import PaymentRefundForm
from trellis.refusals import Refused

REFUND = "billing.add_paymentrefund"


@dataclass(frozen=True)
class RefundOffer:
    """A payment's Refund form as the page shows it: what is left to refund
    (the amount to begin with), and a fresh key for this showing of the form."""

    left: Decimal
    idempotency_key: str


def invoice_payments(invoice: Invoice) -> QuerySet[Payment]:
    """The invoice's payments with what was refunded of each, in one query."""
    return payments_with_refunds(
        invoice.payments.select_related("method", "paid_by", "recorded_by", "reversed_by")
    )


def refund_columns(payment: Payment, *, may_refund: bool) -> dict[str, Any]:
    """A payment of `invoice_payments` as its row shows it: what was refunded of
    it, what is being refunded, and its Refund form (`refund_offer`) or None."""
    refunded = money(payment.refunded)  # type: ignore[attr-defined]
    refunding = money(payment.refunding)  # type: ignore[attr-defined]
    return {
        "refunded": refunded,
        "refunding": refunding,
        "refund": refund_offer(payment, left=payment.amount - refunded - refunding)
        if may_refund
        else None,
    }


def refund_offer(payment: Payment, *, left: Decimal) -> RefundOffer | None:
    """The Refund form of a portal payment that went through, with `left` of it to refund."""
    if payment.source != Payment.Source.PORTAL or payment.status != Payment.Status.SUCCEEDED:
        return None
    if left <= 0:
        return None
    return RefundOffer(left=left, idempotency_key=f"refund-{uuid.uuid4().hex}")


@dataclass(frozen=True)
class RefundRow:
    refund: PaymentRefund
    asked_by: str  # who, in the office; or where it was made
    when: str


def invoice_refund_rows(invoice: Invoice) -> list[RefundRow]:
    """Every refund of the invoice's payments, oldest first, in one query."""
    refunds = PaymentRefund.objects.filter(payment__invoice=invoice).select_related(
        "payment", "requested_by"
    )
    return [
        RefundRow(
            refund=refund,
            asked_by=_asked_by(refund),
            when=date_format(localtime(refund.created_at), "DATETIME_FORMAT"),
        )
        for refund in refunds
    ]


def _asked_by(refund: PaymentRefund) -> str:
    staff = refund.requested_by
    if staff is not None:
        return staff.get_full_name() or str(staff.email)
    # Asked for in the office, by someone whose account is gone; or made elsewhere.
    return "A former staff member" if refund.reason else "In the payment processor's dashboard"


def refund_said(request: HttpRequest, refund: PaymentRefund) -> None:
    """Tell staff what became of the refund, in their words."""
    payment = refund.payment
    invoice = payment.invoice
    if refund.status == PaymentRefund.Status.SUCCEEDED:
        messages.success(
            request,
            f"Refunded {refund.amount} of the payment of {payment.amount} on {invoice.number}: "
            f"{invoice.balance} is owed on it.",
        )
    elif refund.status == PaymentRefund.Status.FAILED:
        messages.error(
            request,
            f"The payment processor refused the refund of {refund.amount} of the payment on "
            f"{invoice.number}: {refund.failure_message}",
        )
    else:
        messages.warning(
            request,
            f"The payment processor did not answer: the refund of {refund.amount} of the "
            f"payment on {invoice.number} is pending. Trellis asks again within minutes, "
            "with the same request, so nothing is refunded twice.",
        )


@staff_button(REFUND)
def invoice_refund_payment_button(
    request: HttpRequest, invoice_id: int, payment_id: int
) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    if not invoice.payments.filter(pk=payment_id).exists():
        raise Http404
    form = PaymentRefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.mistakes())
        return redirect_next_or(request, reverse("office:invoice", args=[invoice.pk]))
    try:
        refund = payment_refund(payment_id=payment_id, staff=staff_of(request), **form.refund())
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        refund_said(request, refund)
    return redirect_next_or(request, reverse("office:invoice", args=[invoice.pk]))
