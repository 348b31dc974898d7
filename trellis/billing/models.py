from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round

from trellis.documents.models import LineItem, PublishedDocument, money_field


class Invoice(PublishedDocument):
    """An invoice. Its totals are set by `invoice_set_lines` from its lines, and
    its amount paid by payments; the constraints keep status and money in step."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    DUE_STATUSES = (Status.OPEN, Status.PARTIALLY_PAID)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    issued_on = models.DateField()
    due_on = models.DateField()
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=6,
        decimal_places=3,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    subtotal = money_field(default=Decimal(0))
    tax = money_field(default=Decimal(0))
    total = money_field(default=Decimal(0))
    amount_paid = money_field(default=Decimal(0))
    memo = models.TextField(blank=True)
    paid_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the balance reached zero; set by the billing services.",
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["property", "status", "due_on"], name="invoice_property_status"),
            models.Index(fields=["property", "status", "paid_at"], name="invoice_property_paid"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "partially_paid", "paid", "void"]),
                name="invoice_status_known",
            ),
            # Rounded because SQLite keeps decimals as binary floats, where
            # 2062.40 + 38.28 is 2100.6800000000003; exact on PostgreSQL anyway.
            models.CheckConstraint(
                condition=Q(total=Round(F("subtotal") + F("tax"), 2)),
                name="invoice_total_is_subtotal_plus_tax",
            ),
            models.CheckConstraint(condition=Q(tax__gte=0), name="invoice_tax_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0, amount_paid__lte=F("total")),
                name="invoice_paid_between_zero_and_total",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["draft", "open"]) | Q(amount_paid=0),
                name="invoice_draft_or_open_has_no_payment",
            ),
            models.CheckConstraint(
                condition=~Q(status="partially_paid")
                | Q(amount_paid__gt=0, amount_paid__lt=F("total")),
                name="invoice_partially_paid_has_some_balance",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(amount_paid=F("total")),
                name="invoice_paid_has_no_balance",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="invoice_due_on_or_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid

    @property
    def is_due(self) -> bool:
        return self.status in self.DUE_STATUSES


class InvoiceLine(LineItem):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    taxable = models.BooleanField(default=True)

    class Meta(LineItem.Meta):
        pass

    def __str__(self) -> str:
        return self.description
