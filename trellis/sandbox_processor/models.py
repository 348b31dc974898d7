"""The sandbox processor's own books: what a processor keeps on its side.

None of these is Trellis's: Trellis's tables hold only the references the
processor hands out (cus_…, card_…, ba_…, ch_…, re_…). No card number or CVV is
kept anywhere: a token and a saved card know the brand, last four digits, expiry
and the test behaviour the number chose. Nor is a bank account's number or its
routing number: a bank token and a saved account know the bank's name, the
last four digits, checking or savings, and the behaviour.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from trellis.sandbox_processor.banks import AccountType
from trellis.sandbox_processor.cards import Brand


class Token(models.Model):
    """A card as the field tokenised it: single use, for 15 minutes. Only a
    hash of the tok_… id is kept, as of any bearer secret."""

    id_hash = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=20, choices=Brand.choices)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    behaviour = models.CharField(max_length=40)
    # The customer whose card field made it ("" for one made without a field):
    # another customer cannot save it.
    customer = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.brand} {self.last4}"


class BankToken(models.Model):
    """A bank account as the bank field tokenised it (btok_…), kept as Token is."""

    id_hash = models.CharField(max_length=64, unique=True)
    bank_name = models.CharField(max_length=100)
    last4 = models.CharField(max_length=4)
    account_type = models.CharField(max_length=10, choices=AccountType.choices)
    behaviour = models.CharField(max_length=40)
    customer = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bank token {self.bank_name} {self.last4}"


class Customer(models.Model):
    reference = models.CharField(max_length=40, unique=True)  # cus_…
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.reference


class Card(models.Model):
    """A card saved for a customer, chargeable by its card_… reference."""

    reference = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cards")
    brand = models.CharField(max_length=20, choices=Brand.choices)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    behaviour = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.reference


class BankAccount(models.Model):
    """A US bank account saved for a customer, chargeable by its ba_… reference
    once verified (by the two small deposits, or at once for some test accounts)."""

    class Verification(models.TextChoices):
        PENDING = "pending"
        VERIFIED = "verified"
        FAILED = "failed"

    reference = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    bank_name = models.CharField(max_length=100)
    last4 = models.CharField(max_length=4)
    account_type = models.CharField(max_length=10, choices=AccountType.choices)
    behaviour = models.CharField(max_length=40)
    verification = models.CharField(max_length=10, choices=Verification.choices)
    verify_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.reference


class Clock(models.Model):
    """The sandbox's own clock, one row: how far it has been moved on from the
    real time, so days of bank clearing pass in a demo (clock.sandbox_now)."""

    offset = models.DurationField(default=timedelta)

    def __str__(self) -> str:
        return f"sandbox clock +{self.offset}"


class Operation(models.Model):
    """What the processor answered for each idempotency key, by kind of call:
    the same key again gets the same answer and changes nothing."""

    kind = models.CharField(max_length=20)
    idempotency_key = models.CharField(max_length=200)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "idempotency_key"], name="sandbox_operation_key_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class Charge(models.Model):
    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        REQUIRES_ACTION = "requires_action"  # waiting for the customer's bank (3-D Secure)
        PROCESSING = "processing"  # a bank payment, until it clears or is returned

    reference = models.CharField(max_length=40, unique=True)  # ch_…
    idempotency_key = models.CharField(max_length=200, unique=True)
    # One of the two: what was charged.
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="charges", null=True, blank=True
    )
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="charges", null=True, blank=True
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices)
    failure_code = models.CharField(max_length=40, blank=True)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # The bank prompt's address is /v1/authenticate/<authentication_id>/: a
    # secret of its own, as the ch_… reference is shown to the merchant's staff.
    authentication_id = models.CharField(max_length=60, unique=True, null=True, blank=True)
    authentication_language = models.CharField(max_length=10, blank=True)
    return_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    # A bank payment clears (or is returned) at this time of the sandbox's clock.
    clears_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(card__isnull=False, bank_account__isnull=True)
                | models.Q(card__isnull=True, bank_account__isnull=False),
                name="sandbox_charge_card_or_bank_account",
            )
        ]
        indexes = [
            models.Index(
                fields=["clears_at"],
                condition=models.Q(status="processing"),
                name="sandbox_charge_clearing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"


class Refund(models.Model):
    reference = models.CharField(max_length=40, unique=True)  # re_…
    idempotency_key = models.CharField(max_length=200, unique=True)
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.reference


class Event(models.Model):
    """A webhook event, kept until the merchant's endpoint accepts it."""

    reference = models.CharField(max_length=40, unique=True)  # evt_…
    type = models.CharField(max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # None once delivered, or given up on after the last attempt.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at"], name="sandbox_event_due")]

    def __str__(self) -> str:
        return f"{self.reference} {self.type}"
