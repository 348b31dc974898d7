"""What proposals and invoices have in common: they belong to a property, are
published to the portal by printing or emailing, and are made of priced lines."""

from __future__ import annotations

import builtins
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to cents the way invoices do: half up, never banker's rounding."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_field(verbose_name: str | None = None, **kwargs: object) -> models.DecimalField:
    """An amount in the company's currency: Decimal to the cent, never float."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


# The portal shows a document once it is printed or emailed: the filter of
# trellis.visibility.Published, and the condition of the partial indexes the
# portal's lists read (an index is used only where its condition is the filter's).
PUBLISHED = models.Q(printed_at__isnull=False) | models.Q(emailed_at__isnull=False)


class PublishedDocument(models.Model):
    """A document that appears in the portal once printed or emailed, never before."""

    property = models.ForeignKey(
        "customers.Property", on_delete=models.PROTECT, related_name="%(class)ss"
    )
    number = models.CharField(max_length=40, unique=True)
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    printed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its PDF was generated."
    )
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was emailed to the customer."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    # `property` is a field name in this class body, hence `builtins.property`.
    @builtins.property
    def is_published(self) -> bool:
        return self.printed_at is not None or self.emailed_at is not None


class LineItem(models.Model):
    """One priced line of a document."""

    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)]
    )
    unit_price = money_field(help_text="Negative for a discount line.")

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)
