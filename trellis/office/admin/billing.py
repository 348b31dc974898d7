from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.html import format_html
from django.utils.safestring import SafeString

from trellis.billing.models import Invoice, InvoiceLine, Payment
from trellis.billing.services import (
    invoice_issue,
    invoice_set_lines,
    invoice_total_problem,
    invoice_totals,
    invoice_void,
)
from trellis.office.admin.documents import LinesFormSet, PublishedDocumentAdmin, PublishedFilter
from trellis.office.status_actions import (
    REASON_MAX_LENGTH,
    RowForm,
    StatusButton,
    StatusForm,
)
from trellis.office.status_forms import PaymentRecordForm
from trellis.office.views.invoices import (
    ISSUED,
    VOIDED,
    invoice_status_buttons,
    invoice_status_note,
    payment_paid_with,
    payment_record,
    payment_reference,
    payment_reversal,
    payment_reverse_said,
    staff_name,
)

Status = Invoice.Status


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
        problem = invoice_total_problem(invoice=invoice, total=totals.total)
        if problem:
            raise ValidationError(problem)

    def save_lines(self, rows: list[dict[str, Any]]) -> None:
        invoice_set_lines(invoice=self.instance, lines=rows)  # type: ignore[arg-type]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    formset = InvoiceLineFormSet
    fields = ["description", "quantity", "unit_price", "taxable"]
    extra = 1


def reverse_form_id(payment: Payment) -> str:
    return f"payment-{payment.pk}-reverse-form"


class PaymentInline(admin.TabularInline):
    """The invoice's payments, as the payment services recorded them: read
    only, since money moves only through the processor or the payment
    services. An offline or imported payment's row offers Reverse."""

    model = Payment
    fields = (
        "created_at",
        "source",
        "status",
        "amount",
        "paid_with",
        "paid_by",
        "reference_shown",
        "received_on",
        "recorder",
        "completed_at",
        "failure_message",
        "reversal",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    can_reverse = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return (
            super()
            .get_queryset(request)
            .select_related("method", "paid_by", "recorded_by", "reversed_by")
        )

    def get_formset(
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        # Reversing changes the invoice: its change permission, which the rows' own lack.
        invoice_admin = self.admin_site.get_model_admin(Invoice)
        self.can_reverse = obj is not None and invoice_admin.has_change_permission(request, obj)
        return super().get_formset(request, obj, **kwargs)

    # Seeing the invoice is enough to see its payments, whatever the Payment model's own perms.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("billing.view_invoice") or request.user.has_perm(
            "billing.change_invoice"
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="paid with")
    def paid_with(self, payment: Payment) -> str:
        return payment_paid_with(payment)

    @admin.display(description="reference")
    def reference_shown(self, payment: Payment) -> str:
        return payment_reference(payment)

    @admin.display(description="recorded by")
    def recorder(self, payment: Payment) -> str:
        return staff_name(payment.recorded_by)

    @admin.display(description="reversal")
    def reversal(self, payment: Payment) -> str | SafeString:
        if payment.reversed_at is not None:
            return payment_reversal(payment)
        if not (payment.reversible and self.can_reverse):
            return ""
        return format_html(
            '<label for="{form}-reason">Why</label> '
            '<input type="text" id="{form}-reason" name="reason" form="{form}" required'
            ' maxlength="{max_length}" size="16" placeholder="A bounced cheque…"> '
            '<button type="submit" form="{form}" class="button">Reverse</button>',
            form=reverse_form_id(payment),
            max_length=REASON_MAX_LENGTH,
        )


ID = "invoice_id"  # the services' name for the invoice they change


@admin.register(Invoice)
class InvoiceAdmin(PublishedDocumentAdmin):
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
    # The status changes with the buttons above the form, and with payments.
    readonly_fields = ["status", *money_fields, *PublishedDocumentAdmin.readonly_fields]
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

    # --- status buttons ------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [
            self.service_path(
                "issue",
                invoice_issue,
                ISSUED,
                id_name=ID,
            ),
            self.service_path("void", invoice_void, VOIDED, id_name=ID, reason=True),
            self.status_path("record-payment/", self.record_payment_view, "record_payment"),
            self.status_path(
                "payments/<int:payment_id>/reverse/", self.reverse_payment_view, "reverse_payment"
            ),
            *super().get_urls(),
        ]

    def status_note(self, invoice: Invoice) -> str:
        return invoice_status_note(invoice)

    def status_buttons(
        self, request: HttpRequest, invoice: Invoice, posted: StatusForm | None
    ) -> list[StatusButton]:
        return invoice_status_buttons(invoice, posted=posted, url=self.action_urls(invoice))

    def status_row_forms(self, request: HttpRequest, invoice: Invoice) -> list[RowForm]:
        # The rows' Reverse buttons (PaymentInline.reversal) submit these.
        return [
            RowForm(
                reverse_form_id(payment),
                self.action_url("reverse_payment", invoice.pk, payment.pk),
            )
            for payment in invoice.payments.all()
            if payment.reversible
        ]

    def record_payment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        invoice = self.object_to_change(request, object_id)
        form = PaymentRecordForm(request.POST, invoice=invoice)
        if payment_record(request, invoice, form):
            return self.change_page(request, invoice)
        # What was typed stays, with the mistake or the refusal to put right.
        return self.change_page_again(request, invoice, form)

    def reverse_payment_view(
        self, request: HttpRequest, object_id: str, payment_id: int
    ) -> HttpResponse:
        invoice = self.object_to_change(request, object_id)
        payment_reverse_said(request, invoice, payment_id)
        return self.change_page(request, invoice)
