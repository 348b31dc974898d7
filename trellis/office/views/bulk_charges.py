"""Charge saved methods: staff tick open invoices whose Billing contact has a
default payment method, may lower an amount (a partial payment), and charge
them all at once; the batch's page then shows each charge's result as the
workers report it (trellis/bulk_charging).

Both pages take bulk_charging.charge_in_bulk (the Office manager's). The form
carries a key made when it was shown: sent twice, it lands on the one batch
it made, and nothing is charged twice (the service looks the key up)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.bulk_charging.models import Batch, Item
from trellis.bulk_charging.selectors import Filters, chargeable_invoices
from trellis.bulk_charging.services import CENT, BatchRefused, batch_create, fee_of
from trellis.company.models import Company
from trellis.customers.models import Contact, Property
from trellis.office.guard import staff_of, staff_page
from trellis.office.lists import listing_of

CHARGE = "bulk_charging.charge_in_bulk"
KEY = re.compile(r"[0-9a-f]{32}")
OUT_OF_DATE = "This form is out of date. Tick the invoices again and charge them."


class ChargeFiltersForm(forms.Form):
    property = forms.ModelChoiceField(
        queryset=Property.objects.none(), required=False, empty_label="Any property"
    )
    due_from = forms.DateField(label="Due from", required=False)
    due_to = forms.DateField(label="Due to", required=False)
    amount_from = forms.DecimalField(label="Balance from", required=False, min_value=0)
    amount_to = forms.DecimalField(label="Balance to", required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the properties that have an invoice to charge: the list stays short.
        self.fields["property"].queryset = Property.objects.filter(  # type: ignore[attr-defined]
            pk__in=chargeable_invoices().values("property_id")
        ).order_by("name")

    def filters(self) -> Filters:
        """What the list is narrowed to: nothing, while the filters have a mistake."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            property_id=data["property"].pk if data["property"] else None,
            due_from=data["due_from"],
            due_to=data["due_to"],
            amount_from=data["amount_from"],
            amount_to=data["amount_to"],
        )


def balance_of(invoice: Invoice) -> Decimal:
    """The `due` the list annotates, to the cent (SQLite's rounding says "100.")."""
    return Decimal(invoice.due).quantize(CENT)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChargeRow:
    """One invoice of the list as its row shows it, with what was ticked and
    typed on it when the form comes back."""

    invoice: Invoice
    payer: Contact | None
    method: PaymentMethod | None
    ticked: bool
    amount: str
    fee: Decimal | None  # on the balance; None without a convenience fee

    @property
    def due(self) -> Decimal:
        return balance_of(self.invoice)


def is_id(value: str) -> bool:
    """A row's id as the form sends it (a database's big integer at most)."""
    return value.isdigit() and len(value) < 19


@dataclass(frozen=True)
class Posted:
    """What the form sent: the invoices ticked, every amount as typed."""

    ticked: set[int]
    typed: dict[int, str]

    @classmethod
    def of(cls, request: HttpRequest) -> Posted:
        ticked = {int(v) for v in request.POST.getlist("invoice") if is_id(v)}
        typed = {
            int(name.removeprefix("amount-")): request.POST.get(name, "").strip()
            for name in request.POST
            if name.startswith("amount-") and is_id(name.removeprefix("amount-"))
        }
        return cls(ticked, typed)


def charge_rows(
    invoices: list[Invoice], *, percent: Decimal, posted: Posted | None
) -> list[ChargeRow]:
    """The page's invoices as rows, their payers and methods in two queries."""
    payers = Contact.objects.in_bulk([i.payer_id for i in invoices])  # type: ignore[attr-defined]
    methods = PaymentMethod.objects.in_bulk([i.method_id for i in invoices])  # type: ignore[attr-defined]
    rows = []
    for invoice in invoices:
        due = balance_of(invoice)
        rows.append(
            ChargeRow(
                invoice=invoice,
                payer=payers.get(invoice.payer_id),  # type: ignore[attr-defined]
                method=methods.get(invoice.method_id),  # type: ignore[attr-defined]
                ticked=posted is not None and invoice.pk in posted.ticked,
                amount=posted.typed.get(invoice.pk, str(due)) if posted else str(due),
                fee=fee_of(due, percent) if percent > 0 else None,
            )
        )
    return rows


def _charge_page(request: HttpRequest, posted: Posted | None = None) -> HttpResponse:
    company = Company.load()
    percent = company.convenience_fee_percent
    filters = ChargeFiltersForm(request.GET)
    narrowed = filters.filters()
    listing = listing_of(request, chargeable_invoices(narrowed))
    rows = charge_rows(listing.rows, percent=percent, posted=posted)
    context = {
        "title": "Charge saved methods",
        "filters": filters,
        "filtered": narrowed != Filters(),
        "listing": listing,
        "rows": rows,
        "fee_percent": f"{percent:f}".rstrip("0").rstrip(".") if percent > 0 else "",
        "with_fee": posted is not None and request.POST.get("with_fee") == "on",
        # A new key for each showing of the form: the batch it makes is found by it.
        "key": uuid.uuid4().hex,
        "action": request.get_full_path(),
    }
    return TemplateResponse(request, "office/bulk_charges/charge.html", context)


def amounts_of(posted: Posted) -> list[tuple[int, Decimal]]:
    """The ticked invoices with their amounts; raises BatchRefused, naming the
    invoice, for an amount that is not one."""
    rows = []
    for invoice_id in sorted(posted.ticked):
        typed = posted.typed.get(invoice_id, "")
        try:
            amount = Decimal(typed.replace(",", "").removeprefix("$"))
            amount.quantize(CENT)  # too large to be money ("1e999") raises here
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            number = Invoice.objects.filter(pk=invoice_id).values_list("number", flat=True).first()
            raise BatchRefused(
                f"Invoice {number or invoice_id}: “{typed}” is not an amount. "
                "Enter one like 100.00."
            )
        rows.append((invoice_id, amount))
    return rows


@staff_page(CHARGE)
def bulk_charge_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _charge_page(request)
    posted = Posted.of(request)
    if "select_all" in request.POST:
        # Without scripts (the pages allow none): the form again, every row ticked.
        on_page = [int(v) for v in request.POST.getlist("on_page") if is_id(v)]
        return _charge_page(request, Posted(set(on_page), posted.typed))
    key = request.POST.get("key", "")
    try:
        if not KEY.fullmatch(key):
            raise BatchRefused(OUT_OF_DATE)
        batch = batch_create(
            staff=staff_of(request),
            key=key,
            rows=amounts_of(posted),
            with_fee=request.POST.get("with_fee") == "on",
            company=Company.load(),
        )
    except BatchRefused as refusal:
        messages.error(request, refusal.message)
        return _charge_page(request, posted)
    return redirect("office:invoices-charge-batch", batch_id=batch.pk)


# As the invoice's page says it (office/invoices/detail.html).
PROCESSING = "Processing (bank payment, clears in 3–5 business days)"  # noqa: RUF001
UNANSWERED = (
    "The payment processor did not answer: Trellis asks again within minutes, "
    "so nothing is charged twice"
)


def payment_result(payment: Payment) -> str:
    """What became of a charge, in staff's words."""
    if payment.status == Payment.Status.SUCCEEDED:
        return "Succeeded"
    if payment.status == Payment.Status.FAILED:
        return f"Declined: {payment.failure_message}"
    if payment.processing:
        return PROCESSING
    if payment.status == Payment.Status.PENDING:
        return UNANSWERED
    return payment.get_status_display()


def item_result(item: Item) -> str:
    if item.state == Item.State.QUEUED:
        return "Waiting"
    if item.state == Item.State.CHARGING and item.payment is None:
        return "Charging"
    if item.state == Item.State.REFUSED and item.payment is None:
        return f"Not charged: {item.problem}"
    if item.payment is None:
        return item.get_state_display()
    return payment_result(item.payment)


@dataclass(frozen=True)
class ItemRow:
    item: Item
    result: str
    # The convenience fee's own invoice and what became of its charge, once made.
    fee_result: str

    @property
    def finished(self) -> bool:
        return self.item.state not in (Item.State.QUEUED, Item.State.CHARGING)

    @property
    def outcome(self) -> str:
        """The row's kind of result: charged, declined, processing or ""."""
        payment = self.item.payment
        if payment is None or not self.finished:
            return ""
        if payment.status == Payment.Status.SUCCEEDED:
            return "charged"
        if payment.status == Payment.Status.FAILED:
            return "declined"
        return "processing" if payment.processing else ""


def item_rows(batch: Batch) -> list[ItemRow]:
    items = batch.items.select_related(
        "invoice", "contact", "method", "payment", "fee_invoice", "fee_payment"
    )
    rows = []
    for item in items:
        fee_result = ""
        if item.fee_payment is not None:
            fee_result = payment_result(item.fee_payment)
        elif item.state == Item.State.REFUSED and item.payment is not None:
            fee_result = f"Not charged: {item.problem}"
        rows.append(ItemRow(item, item_result(item), fee_result))
    return rows


@dataclass(frozen=True)
class Total:
    label: str
    count: int
    amount: Decimal


def totals_of(rows: list[ItemRow]) -> list[Total]:
    """How many were charged, declined and processing, and for how much (the
    invoices' amounts; the fees are their own invoices)."""
    totals = []
    for outcome, label in (
        ("charged", "Charged"),
        ("declined", "Declined"),
        ("processing", "Processing"),
    ):
        counted = [row.item.amount for row in rows if row.outcome == outcome]
        totals.append(Total(label, len(counted), sum(counted, Decimal("0.00"))))
    return totals


@staff_page(CHARGE, methods=("GET",))
def bulk_charge_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.select_related("created_by"), pk=batch_id)
    rows = item_rows(batch)
    context = {
        "title": f"Bulk charge {batch.pk}",
        "batch": batch,
        "rows": rows,
        "totals": totals_of(rows),
        "unfinished": any(not row.finished for row in rows),
        "charge_url": reverse("office:invoices-charge"),
    }
    return TemplateResponse(request, "office/bulk_charges/batch.html", context)
