"""Invoices in the portal: due, paid in the last six months, all paid."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from trellis.billing.models import Invoice
from trellis.billing.payments import invoice_reserved
from trellis.billing.selectors import invoices_due, invoices_paid
from trellis.portal.decorators import customer_required, section_or_404, viewer_of
from trellis.portal.pdf import pdf_response
from trellis.slices import DeferredJoinPaginator
from trellis.visibility import visible_invoices

TABS = {
    "due": _("Due"),
    "recent": _("Paid in the last six months"),
    "paid": _("All paid"),
}
PER_PAGE = 20


def _visible(request: HttpRequest) -> QuerySet[Invoice]:
    viewer = section_or_404(request, Invoice)
    return visible_invoices(contact=viewer.contact, company=viewer.company)


@customer_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("status", "due")
    if tab not in TABS:
        tab = "due"
    invoices = _visible(request).select_related("property")
    if tab == "due":
        invoices = invoices_due(invoices)
    else:
        invoices = invoices_paid(invoices, recent=tab == "recent")
    page = DeferredJoinPaginator(invoices, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "tab": tab, "tabs": TABS, "today": timezone.localdate()}
    return render(request, "portal/invoice_list.html", context)


def _invoice_or_404(request: HttpRequest, pk: int) -> Invoice:
    return get_object_or_404(_visible(request).select_related("property"), pk=pk)


@customer_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(request, pk)
    payments = list(invoice.payments.select_related("method"))
    reserved = invoice_reserved(invoice, payments)  # from the rows the page shows anyway
    return render(
        request,
        "portal/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "payments": payments,
            "payable": invoice.balance - reserved,
        },
    )


@customer_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return pdf_response(_invoice_or_404(request, pk), viewer_of(request).company)
