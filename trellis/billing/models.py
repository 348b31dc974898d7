from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.documents.models import PUBLISHED, LineItem, PublishedDocument, money_field


class Invoice(PublishedDocument):
    """An invoice. Its totals are set by `invoice_set_lines` from its lines.

    Its amount paid, paid status and `paid_at` are derived from its payment
    records, in one place (`trellis.billing.ledger.invoice_settle`): they are
    stored so lists can sort and sum by them, but nothing else writes them. The
    constraints keep status and money in step."""

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
    amount_paid = money_field(
        default=Decimal(0), help_text="The sum of its succeeded payments; set by the ledger."
    )
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
            # The portal's invoices due, first ones and totals, read from the
            # index alone (trellis.slices; trellis/portal/tests/test_query_plans.py).
            models.Index(
                fields=["property", "status", "due_on", "id", "total", "amount_paid"],
                condition=PUBLISHED,
                name="invoice_published_due",
            ),
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


class PaymentMethod(models.Model):
    """A card or a US bank account saved with the payment processor. Only the
    processor's token and what a person needs to recognise it are kept: never
    a card's number or CVV, never a bank account's routing or full number.

    A contact has at most one default card and one default bank account (a
    constraint per kind). A bank account may have to be verified before it can
    be charged: the processor sends two small deposits and the customer
    confirms their amounts, in at most VERIFY_TRIES tries
    (trellis.billing.bank_accounts)."""

    class Kind(models.TextChoices):
        CARD = "card", _("Card")
        BANK_ACCOUNT = "bank_account", _("Bank account")

    class Brand(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        AMEX = "amex", "American Express"
        DISCOVER = "discover", "Discover"

    class AccountType(models.TextChoices):
        CHECKING = "checking", _("Checking")
        SAVINGS = "savings", _("Savings")

    class Verification(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        PENDING = "pending", _("Waiting for the two deposits to be confirmed")
        FAILED = "failed", _("Could not be verified")

    VERIFY_TRIES = 3

    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="payment_methods"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CARD)
    processor = models.CharField(max_length=30)
    token = models.CharField(max_length=200, help_text="The processor's reference for the method.")
    brand = models.CharField(max_length=12, choices=Brand.choices, blank=True)
    last4 = models.CharField("last four digits", max_length=4)
    exp_month = models.PositiveSmallIntegerField("expiry month", null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField("expiry year", null=True, blank=True)
    holder_name = models.CharField(max_length=200)
    billing_postcode = models.CharField(max_length=20, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)
    account_type = models.CharField(max_length=10, choices=AccountType.choices, blank=True)
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.VERIFIED
    )
    verification_reference = models.CharField(
        max_length=200, blank=True, help_text="What the processor verifies the account by."
    )
    verification_tries = models.PositiveSmallIntegerField(
        default=0, help_text="Wrong amounts entered so far."
    )
    is_default = models.BooleanField(default=False)
    saved_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who saved it for the contact, if not the contact.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Removed methods stay for the payments made with them."
    )

    class Meta:
        ordering = ["-kind", "-is_default", "-created_at", "-id"]  # cards first
        indexes = [models.Index(fields=["contact", "removed_at"], name="method_by_contact")]
        constraints = [
            models.UniqueConstraint(fields=["processor", "token"], name="method_token_once"),
            models.UniqueConstraint(
                fields=["contact", "kind"],
                condition=Q(is_default=True, removed_at__isnull=True),
                name="method_one_default_per_contact_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["card", "bank_account"]), name="method_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="card")
                | (
                    ~Q(brand="")
                    & Q(exp_month__gte=1, exp_month__lte=12, exp_year__isnull=False)
                    & Q(verification="verified")
                ),
                name="method_card_has_brand_and_expiry",
            ),
            models.CheckConstraint(
                condition=~Q(kind="bank_account")
                | Q(account_type__in=["checking", "savings"], exp_month__isnull=True),
                name="method_bank_account_has_type",
            ),
            models.CheckConstraint(
                condition=Q(verification__in=["verified", "pending", "failed"]),
                name="method_verification_known",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(verification="verified"),
                name="method_default_is_verified",
            ),
            models.CheckConstraint(
                condition=Q(last4__regex=r"^[0-9]{4}$"), name="method_last4_digits"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.BANK_ACCOUNT:
            return f"{self.bank_name or _('Bank account')} •••• {self.last4}"
        return f"{self.get_brand_display()} •••• {self.last4}"

    @property
    def is_bank_account(self) -> bool:
        return self.kind == self.Kind.BANK_ACCOUNT

    @property
    def chargeable(self) -> bool:
        """Verified: a bank account waiting for its deposits, or whose
        verification failed, cannot be charged."""
        return self.verification == self.Verification.VERIFIED

    def expired_on(self, day: date) -> bool:
        if self.exp_year is None or self.exp_month is None:
            return False  # a bank account does not expire
        return (self.exp_year, self.exp_month) < (day.year, day.month)


class CardSaveAttempt(models.Model):
    """A customer's try at saving a card with the processor, whatever came of
    it: what the card-testing throttle counts (trellis.billing.throttles).
    A card tester's tries are mostly declined, so the saved methods alone
    would not show them. Nothing of the card is kept."""

    class Result(models.TextChoices):
        ASKED = "asked", "Sent to the processor, no answer recorded"
        SAVED = "saved", "Saved"
        DECLINED = "declined", "Declined by the processor"

    # SET_NULL: a deleted contact's tries still count against the address they came from.
    contact = models.ForeignKey(
        "customers.Contact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.ASKED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["contact", "created_at"], name="card_attempt_by_contact"),
            models.Index(fields=["ip_address", "created_at"], name="card_attempt_by_ip"),
        ]

    def __str__(self) -> str:
        return f"Card save attempt {self.pk}: {self.result}"


class Payment(models.Model):
    """Money received, or being received, on an invoice: the records an invoice's
    amount paid is derived from (trellis.billing.ledger).

    A portal payment is one attempt through the processor: the row exists, with
    its idempotency key, before the processor is called, so a retry can never
    charge twice. An offline payment (a cheque, cash, a bank transfer) is one
    staff recorded; an imported one came from the company's other system, keyed
    by its own `external_id`. Those two can be reversed by staff, with a reason;
    a portal payment is undone only by a refund through the processor."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REVERSED = "reversed", "Reversed"

    class Source(models.TextChoices):
        PORTAL = "portal", "Paid in the portal"
        OFFLINE = "offline", "Recorded by staff"
        IMPORTED = "imported", "Imported"

    class Origin(models.TextChoices):
        """Who started a portal payment: the customer at the page, or Trellis
        on their behalf with their saved method (autopay, staff's bulk charge)."""

        CUSTOMER = "customer", "The customer, in the portal"
        AUTOPAY = "autopay", "Autopay"
        OFFICE = "office", "Charged by staff"

    class Means(models.TextChoices):
        """How money recorded outside the portal was paid."""

        # Translated: a customer's receipt says how they paid.
        CHEQUE = "cheque", _("Cheque")
        CASH = "cash", _("Cash")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.CUSTOMER)
    method = models.ForeignKey(
        PaymentMethod, null=True, on_delete=models.PROTECT, related_name="payments"
    )
    paid_by = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = money_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True)
    processor_reference = models.CharField(max_length=200, blank=True)
    failure_message = models.CharField(
        max_length=300, blank=True, help_text="The processor's reason, as the customer saw it."
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    processing_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the processor accepted a bank payment, which clears days later.",
    )

    # Offline and imported payments.
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    means = models.CharField("paid by", max_length=16, choices=Means.choices, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="A cheque number or a bank reference."
    )
    received_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who recorded an offline payment.",
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["invoice", "status"], name="payment_by_invoice")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed", "reversed"]),
                name="payment_status_known",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["portal", "offline", "imported"]),
                name="payment_source_known",
            ),
            # Money taken through the processor goes back only through it (a refund).
            models.CheckConstraint(
                condition=~Q(status="reversed") | ~Q(source="portal"),
                name="payment_reversed_only_if_recorded_outside_the_portal",
            ),
            models.CheckConstraint(
                condition=Q(source="portal") | Q(status__in=["succeeded", "reversed"]),
                name="payment_recorded_outside_the_portal_has_been_received",
            ),
            models.CheckConstraint(
                condition=Q(external_id__isnull=True) | Q(source="imported"),
                name="payment_external_id_only_when_imported",
            ),
            models.CheckConstraint(
                condition=Q(origin="customer") | Q(source="portal"),
                name="payment_charged_for_the_customer_through_the_processor",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment of {self.amount} on {self.invoice}"

    @property
    def counts(self) -> bool:
        """Whether it is part of the invoice's amount paid."""
        return self.status == self.Status.SUCCEEDED

    @property
    def customer_away(self) -> bool:
        """Whether the payer was not at the page when it settled: they learn a
        failure only by email (a returned bank payment, autopay, a bulk charge)."""
        return self.processing_at is not None or self.origin != self.Origin.CUSTOMER

    @property
    def processing(self) -> bool:
        """A bank payment on its way: neither paid nor payable again yet."""
        return self.status == self.Status.PENDING and self.processing_at is not None

    @property
    def reversible(self) -> bool:
        return self.status == self.Status.SUCCEEDED and self.source != self.Source.PORTAL


class ProcessorCustomer(models.Model):
    """The contact as a customer of a payment processor: the processor keeps
    their saved cards under this reference (Stripe's cus_…)."""

    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="processor_customers"
    )
    processor = models.CharField(max_length=30)
    reference = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "processor"], name="processor_customer_once_per_contact"
            ),
            models.UniqueConstraint(
                fields=["processor", "reference"], name="processor_customer_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.processor} {self.reference}"


class ProcessorEvent(models.Model):
    """A webhook event a processor sent, stored once by its id in the same
    transaction as its effect: a second delivery finds it and changes nothing."""

    processor = models.CharField(max_length=30)
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["processor", "event_id"], name="processor_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.processor} {self.event_id} ({self.kind})"


class PaymentRefund(models.Model):
    """Money of a portal card payment given back through the processor: what
    the invoice's amount paid is net of (trellis.billing.ledger).

    Like a Payment, a refund Trellis asks for exists, pending with its
    idempotency key, before the processor is called (trellis.billing.refunds),
    so a retry can never refund twice. One made in the processor's dashboard
    arrives by webhook and is recorded succeeded, with no reason and nobody
    who asked in Trellis; its reference, kept once, is what makes the several
    events of one refund one refund."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True)
    processor_reference = models.CharField(max_length=200, blank=True)
    failure_message = models.CharField(
        max_length=300, blank=True, help_text="The processor's reason, as staff saw it."
    )
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why staff refunded it; empty when made elsewhere."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who asked for it in the office.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["payment", "status"], name="refund_by_payment"),
            # The reconciliation's question: which refunds are still pending.
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="refund_pending"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="refund_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | ~Q(processor_reference=""),
                name="refund_succeeded_has_its_reference",
            ),
            # One refund at the processor is one row, however many events tell of it.
            models.UniqueConstraint(
                fields=["processor_reference"],
                condition=~Q(processor_reference=""),
                name="refund_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.amount} of payment {self.payment_id}"
