"""The office's invoices: the list, an invoice's page (its lines and totals,
status, payments and their refunds, publishing, who sees it), and its buttons:
Issue invoice, Void invoice, Record a payment, Reverse (an offline or imported
payment), Print, Email; a card payment's Refund is in invoice_refunds.py.

Seeing them takes billing.view_invoice; every button billing.change_invoice
(but Refund: billing.add_paymentrefund).
What is paid and owed follows from the payment records (trellis.billing.ledger);
the services check the state and the balance and say why not."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.timezone import localtime

from trellis.billing.models import Invoice, Payment
from trellis.billing.recorded_payments import payment_record_offline, payment_reverse
from trellis.billing.selectors import BALANCE
from trellis.billing.services import invoice_issue, invoice_void
from trellis.office.guard import staff_button, staff_of, staff_page
from trellis.office.status_actions import (
    REASON_MAX_LENGTH,
    StatusButton,
    StatusForm,
    status_change,
)
from trellis.office.status_forms import PaymentRecordForm
from trellis.office.views.documents import ActionUrl, DocumentPages, document_list
from trellis.office.views.invoice_refunds import (
    REFUND,
    invoice_payments,
    invoice_refund_rows,
    refund_columns,
)

VIEW = "billing.view_invoice"
CHANGE = "billing.change_invoice"
Status = Invoice.Status

# What each button says once done; {} is the invoice.
ISSUED = "{} is issued: it is open, and can be printed, emailed and paid."
VOIDED = "{} is void: nothing is owed on it."


def staff_name(user: Any) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def payment_paid_with(payment: Payment) -> str:
    return str(payment.method) if payment.method else payment.get_means_display()


def payment_reference(payment: Payment) -> str:
    return payment.processor_reference or payment.reference


def payment_reversal(payment: Payment) -> str:
    """ "Reversed by Jane Smith on 12/11/2026 2:05 p.m.: the cheque bounced", or ""."""
    if payment.reversed_at is None:
        return ""
    when = date_format(localtime(payment.reversed_at), "DATETIME_FORMAT")
    by = f" by {staff_name(payment.reversed_by)}" if payment.reversed_by else ""
    return f"Reversed{by} on {when}: {payment.reversal_reason}"


def payment_recorded(payment: Payment) -> str:
    invoice = payment.invoice
    said = f"Recorded a payment of {payment.amount} ({payment.get_means_display()}) on {invoice}"
    if invoice.balance:
        return f"{said}: {invoice.balance} is still owed."
    return f"{said}: it is paid in full."


def payment_reversed(payment: Payment) -> str:
    return (
        f"The payment of {payment.amount} on {payment.invoice} is reversed: "
        f"{payment.invoice.balance} is owed on it."
    )


def invoice_status_note(invoice: Invoice) -> str:
    if invoice.status in (Status.PARTIALLY_PAID, Status.PAID):
        return (
            "Partially paid and Paid follow from the payments. "
            "To void the invoice, reverse or refund its payments first."
        )
    return ""


def invoice_status_buttons(
    invoice: Invoice, *, posted: StatusForm | None, url: ActionUrl
) -> list[StatusButton]:
    """The status buttons the invoice's state allows; `posted` is the
    payment form posted with a mistake."""
    buttons = []
    if invoice.status == Status.DRAFT:
        buttons.append(
            StatusButton(
                "issue",
                "Issue invoice",
                url("issue"),
                help="It is owed from now on (Open): it can be printed, emailed and paid.",
            )
        )
    if invoice.is_due:
        form = posted if isinstance(posted, PaymentRecordForm) else None
        buttons.append(
            StatusButton(
                "record_payment",
                "Record a payment",
                url("record_payment"),
                help="Money received outside the portal: a cheque, cash, a bank transfer.",
                form=form or PaymentRecordForm(invoice=invoice),
            )
        )
    if invoice.status in (Status.DRAFT, Status.OPEN):
        buttons.append(
            StatusButton(
                "void",
                "Void invoice",
                url("void"),
                help="Nothing is owed on it any more. Void is final.",
                reason="Why it is void",
            )
        )
    return buttons


PAGES = DocumentPages(name="invoice", buttons=invoice_status_buttons, note=invoice_status_note)


def _invoice(invoice_id: int) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("property"), pk=invoice_id)


@staff_page(VIEW, methods=("GET",))
def invoice_list(request: HttpRequest) -> HttpResponse:
    return document_list(
        request,
        # The balance is the total less what the payment records add up to (the ledger's).
        Invoice.objects.annotate(balance_due=BALANCE).order_by("-issued_on", "-id"),
        pages=PAGES,
        template="office/invoices/list.html",
        number_example="INV-24042",
    )


def _page(request: HttpRequest, invoice: Invoice, posted: StatusForm | None = None) -> HttpResponse:
    may_refund = request.user.has_perm(REFUND)
    context = {
        "title": str(invoice),
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "tax_rate": f"{invoice.tax_rate:f}".rstrip("0").rstrip("."),  # 6.25, not 6.250
        "reason_max_length": REASON_MAX_LENGTH,
        "payments": [
            {
                "payment": payment,
                "paid_with": payment_paid_with(payment),
                "reference": payment_reference(payment),
                "recorded_by": staff_name(payment.recorded_by),
                "reversal": payment_reversal(payment),
                **refund_columns(payment, may_refund=may_refund),
            }
            for payment in invoice_payments(invoice)
        ],
        "refunds": invoice_refund_rows(invoice),
    }
    return PAGES.page(request, invoice, "office/invoices/detail.html", context, posted=posted)


@staff_page(VIEW, methods=("GET",))
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _page(request, _invoice(invoice_id))


@staff_button(CHANGE)
def invoice_issue_button(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return PAGES.service_button(request, _invoice(invoice_id), invoice_issue, ISSUED)


@staff_button(CHANGE)
def invoice_void_button(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return PAGES.service_button(request, _invoice(invoice_id), invoice_void, VOIDED, reason=True)


def payment_record(
    request: HttpRequest, invoice: Invoice, form: PaymentRecordForm
) -> Payment | None:
    """Record the payment typed in `form`, as the staff member, and say so;
    None, having changed nothing, while the form has a mistake or the service
    refuses."""
    if not form.is_valid():
        return None
    return status_change(
        request,
        partial(
            payment_record_offline,
            invoice_id=invoice.pk,
            recorded_by=staff_of(request),
            **form.payment(),
        ),
        payment_recorded,
    )


def payment_reverse_said(request: HttpRequest, invoice: Invoice, payment_id: int) -> None:
    """Reverse one of the invoice's payments, saying why (the reason posted),
    and say so or why not; 404 for a payment of another invoice."""
    if not invoice.payments.filter(pk=payment_id).exists():
        raise Http404
    status_change(
        request,
        partial(
            payment_reverse,
            payment_id=payment_id,
            actor=staff_of(request),
            reason=request.POST.get("reason", ""),
        ),
        payment_reversed,
    )


@staff_button(CHANGE)
def invoice_record_payment_button(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice(invoice_id)
    form = PaymentRecordForm(request.POST, invoice=invoice)
    if payment_record(request, invoice, form):
        return PAGES.back(request, invoice)
    # What was typed stays, with the mistake or the refusal to put right.
    return _page(request, invoice, posted=form)


@staff_button(CHANGE)
def invoice_reverse_payment_button(
    request: HttpRequest, invoice_id: int, payment_id: int
) -> HttpResponse:
    invoice = _invoice(invoice_id)
    payment_reverse_said(request, invoice, payment_id)
    return PAGES.back(request, invoice)


@staff_button(CHANGE)
def invoice_print_button(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return PAGES.print_button(request, _invoice(invoice_id))


@staff_button(CHANGE)
def invoice_email_button(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return PAGES.email_button(request, _invoice(invoice_id))
