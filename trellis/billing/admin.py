from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest

from trellis.billing.models import Invoice, InvoiceLine, Payment
from trellis.billing.services import invoice_set_lines, invoice_totals
from trellis.documents.admin import LinesFormSet, PublishedDocumentAdmin, PublishedFilter

Status = Invoice.Status


class InvoiceForm(forms.ModelForm):
    def clean_status(self) -> str:
        # Partially paid and Paid follow from payments (invoice_set_lines and,
        # later, the payment services set them); staff choose the rest.
        status = self.cleaned_data["status"]
        invoice = self.instance
        if invoice.amount_paid > 0 and status in (Status.DRAFT, Status.OPEN):
            raise ValidationError("This invoice has payments: it can't be Draft or Open.")
        if status in (Status.PARTIALLY_PAID, Status.PAID) and status != invoice.status:
            raise ValidationError("Partially paid and Paid follow from payments: choose Open.")
        return status


class InvoiceLineFormSet(LinesFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        # Refuse here, with a message, what the database would refuse on save.
        invoice = self.instance
        totals = invoice_totals(lines=self.rows(), tax_rate=invoice.tax_rate)  # type: ignore[arg-type]
        if totals.total < 0:
            raise ValidationError("The invoice can't come to less than zero.")
        if totals.tax < 0:
            raise ValidationError("The taxable lines can't add up to less than zero.")
        if totals.total < invoice.amount_paid:
            raise ValidationError(
                f"These lines come to {totals.total}, less than the {invoice.amount_paid} "
                "already paid."
            )

    def save_lines(self, rows: list[dict[str, Any]]) -> None:
        invoice_set_lines(invoice=self.instance, lines=rows)  # type: ignore[arg-type]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    formset = InvoiceLineFormSet
    fields = ["description", "quantity", "unit_price", "taxable"]
    extra = 1


class PaymentInline(admin.TabularInline):
    """The invoice's payments, as the payment services recorded them: read only,
    since money moves only through the processor."""

    model = Payment
    fields = (
        "created_at",
        "status",
        "amount",
        "method",
        "paid_by",
        "processor_reference",
        "completed_at",
        "failure_message",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return super().get_queryset(request).select_related("method", "paid_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(PublishedDocumentAdmin):
    form = InvoiceForm
    inlines = [InvoiceLineInline, PaymentInline]
    list_display = [
        "number",
        "property",
        "status",
        "issued_on",
        "due_on",
        "printed_at",
        "emailed_at",
        "published",
        "total",
        "balance",
    ]
    list_filter = ["status", PublishedFilter, "due_on", "issued_on"]
    date_hierarchy = "issued_on"
    ordering = ["-issued_on", "-id"]
    money_fields = ["subtotal", "tax", "total", "amount_paid", "balance"]
    readonly_fields = [*money_fields, *PublishedDocumentAdmin.readonly_fields]
    fieldsets = [
        (None, {"fields": ["number", "property", "status", "issued_on", "due_on", "memo"]}),
        (
            "Totals",
            {
                "fields": ["tax_rate", *money_fields],
                "description": "Worked out from the lines when the invoice is saved; "
                "the amount paid comes from payments.",
            },
        ),
        ("Publishing", {"fields": [*PublishedDocumentAdmin.readonly_fields]}),
        ("Import", {"fields": ["external_id"], "classes": ["collapse"]}),
    ]

    def get_inlines(
        self, request: HttpRequest, obj: Invoice | None
    ) -> list[type[InlineModelAdmin]]:
        # Payments show once there are some: a new or unpaid invoice has none.
        if obj is not None and obj.payments.exists():
            return [InvoiceLineInline, PaymentInline]
        return [InvoiceLineInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return super().get_queryset(request).annotate(balance_due=F("total") - F("amount_paid"))

    @admin.display(description="balance", ordering="balance_due")
    def balance(self, invoice: Invoice) -> Decimal:
        return invoice.balance
