"""Autopay: a customer's standing authorisation to charge one of their saved
methods for the invoices of a property (or of all their properties), and the
record of each charge Trellis made under it.

What the customer agreed to is kept as they read it: the authorisation's
text, its version, the time and the address it was given from. Only the
customer turns autopay on; the customer or staff turn it off, and it stays,
ended, for the charges made under it.
"""

from __future__ import annotations

import builtins

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Enrollment(models.Model):
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="autopay_enrollments"
    )
    property = models.ForeignKey(
        "customers.Property",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every property whose invoices the contact sees.",
    )
    method = models.ForeignKey(
        "billing.PaymentMethod", on_delete=models.PROTECT, related_name="autopay_enrollments"
    )
    authorisation_text = models.TextField(help_text="The words the customer agreed to.")
    authorisation_version = models.CharField(max_length=20)
    authorised_at = models.DateTimeField(default=timezone.now)
    authorised_from = models.GenericIPAddressField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who turned it off, if not the customer.",
    )

    class Meta:
        ordering = ["-authorised_at", "-id"]
        indexes = [models.Index(fields=["contact", "ended_at"], name="autopay_by_contact")]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "property"],
                condition=Q(ended_at__isnull=True, property__isnull=False),
                name="autopay_once_per_property",
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(ended_at__isnull=True, property__isnull=True),
                name="autopay_once_for_all_properties",
            ),
        ]

    def __str__(self) -> str:
        return f"Autopay {self.pk} of contact {self.contact_id}"

    # `property` is a field name in this class body, hence `builtins.property`.
    @builtins.property
    def active(self) -> bool:
        return self.ended_at is None


class Attempt(models.Model):
    """One autopay charge of an invoice: at most ATTEMPTS per invoice, one a
    day. The row is claimed before the processor is called (its number is
    unique per invoice), so two workers never charge the same attempt, and its
    payment's idempotency key is made of the invoice and the number, so a
    worker stopped half-way charges nothing twice when it runs again."""

    ATTEMPTS = 3

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="autopay_attempts"
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    on = models.DateField(help_text="The day it was made.")
    payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    problem = models.CharField(
        max_length=300, blank=True, help_text="Why no charge could be asked for, if none was."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "number"], name="autopay_attempt_once"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=3), name="autopay_attempts_at_most_three"
            ),
        ]

    def __str__(self) -> str:
        return f"Autopay attempt {self.number} on invoice {self.invoice_id}"

    @property
    def idempotency_key(self) -> str:
        return f"autopay-{self.invoice_id}-{self.number}"


class Notice(models.Model):
    """The email telling the customer an invoice will be charged, sent once."""

    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.CASCADE, related_name="autopay_notice"
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    charge_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Autopay notice of invoice {self.invoice_id}"
