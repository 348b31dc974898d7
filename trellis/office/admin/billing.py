"""Invoices with their lines and payments, as stored."""

from __future__ import annotations

from django.contrib import admin

from trellis.billing.models import Invoice, InvoiceLine, Payment
from trellis.office.admin.raw_data import RawDataAdmin, RawDataInline


class InvoiceLineInline(RawDataInline):
    model = InvoiceLine
    fields = ["description", "quantity", "unit_price", "taxable"]


class PaymentInline(RawDataInline):
    model = Payment
    fields = ["created_at", "source", "means", "amount", "status", "reference", "reversed_at"]


@admin.register(Invoice)
class InvoiceAdmin(RawDataAdmin):
    list_display = ["number", "property", "status", "issued_on", "due_on", "printed_at"]
    list_display += ["emailed_at"]
    list_filter = ["status", "issued_on"]
    list_select_related = ["property"]
    search_fields = ["number", "=external_id", "property__name"]
    ordering = ["-issued_on", "-id"]
    inlines = [InvoiceLineInline, PaymentInline]
