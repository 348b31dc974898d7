"""Staff charging the saved methods of many open invoices at once ("Process
Electronic Payments"): a batch, and one item per invoice.

A batch is made once per form (its `key`, from the page): the same form sent
twice finds its batch and charges nothing more. Each item is charged by a
worker with the key `bulk-<batch key>-<invoice>`, through the one payment
path; its convenience fee, if the batch has one, is billed as an invoice of
its own and charged with the key `bulk-fee-<batch key>-<invoice>`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from trellis.documents.models import money_field


class Batch(models.Model):
    key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    fee_percent = models.DecimalField(
        "convenience fee (%)", max_digits=4, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_percent__gte=0, fee_percent__lte=10), name="batch_fee_in_range"
            )
        ]
        permissions = [("charge_in_bulk", "Can charge saved payment methods in bulk")]

    def __str__(self) -> str:
        return f"Bulk charge {self.pk}"


class Item(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        CHARGING = "charging", "Being charged"
        DONE = "done", "Asked of the processor"
        REFUSED = "refused", "Not charged"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey("billing.PaymentMethod", on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    fee = money_field(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    problem = models.CharField(
        max_length=300, blank=True, help_text="Why it was not charged, when it was not."
    )
    payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fee_invoice = models.OneToOneField(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fee_payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "invoice"], name="bulk_item_once_per_batch"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bulk_item_amount_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="bulk_item_fee_not_negative"),
        ]
        indexes = [
            models.Index(
                fields=["started_at"],
                condition=Q(state__in=["queued", "charging"]),
                name="bulk_item_unfinished",
            )
        ]

    def __str__(self) -> str:
        return f"Bulk charge item {self.pk}"

    @property
    def payment_key(self) -> str:
        return f"bulk-{self.batch.key}-{self.invoice_id}"

    @property
    def fee_key(self) -> str:
        return f"bulk-fee-{self.batch.key}-{self.invoice_id}"
