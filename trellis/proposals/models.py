from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from trellis.documents.models import PUBLISHED, LineItem, PublishedDocument, money


class Proposal(PublishedDocument):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="Shown to the customer on the proposal.")

    class DecidedVia(models.TextChoices):
        # Read after "Approved" or "Declined": "Approved by phone".
        PORTAL = "portal", "in the portal"
        PAPER = "paper", "on paper"
        PHONE = "phone", "by phone"
        EMAIL = "email", "by email"
        IMPORT = "import", "in the company's other system (imported)"

    # Staff record a decision the customer made elsewhere, saying how.
    STAFF_CHANNELS = (DecidedVia.PAPER, DecidedVia.PHONE, DecidedVia.EMAIL)
    DECIDED = (Status.APPROVED, Status.DECLINED)
    # What a decision fixes: the customer agreed to (or turned down) exactly
    # this, so neither staff nor an import changes it afterwards.
    DECIDED_FIELDS = ("status", "items", "title", "notes", "valid_until")

    # The customer's decision, recorded once (trellis.proposals.services).
    decided_via = models.CharField("decided", max_length=8, choices=DecidedVia.choices, blank=True)
    decision_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who recorded a decision made outside the portal.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decided_proposals",
    )
    decided_from_ip = models.GenericIPAddressField(null=True, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signature_png = models.BinaryField(
        null=True, blank=True, help_text="The signature drawn on the pad, as a PNG image."
    )
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["property", "status"], name="proposal_property_status"),
            # The portal's newest pending proposals from the index alone (trellis.slices).
            models.Index(
                fields=["property", "status", "created_at", "id"],
                condition=PUBLISHED,
                name="proposal_published_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["draft", "sent", "approved", "declined", "withdrawn"]
                ),
                name="proposal_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.number}"

    @property
    def is_decided(self) -> bool:
        return self.status in self.DECIDED

    @property
    def total(self) -> Decimal:
        """Required items plus the optional items the customer chose."""
        return money(sum((i.amount for i in self.items.all() if i.counts), Decimal(0)))


class ProposalItem(LineItem):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="items")
    optional = models.BooleanField(default=False, help_text="The customer may choose it or not.")
    chosen = models.BooleanField(default=False, help_text="An optional item the customer wants.")

    class Meta(LineItem.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(optional=True) | models.Q(chosen=False),
                name="proposal_item_only_optional_items_are_chosen",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def counts(self) -> bool:
        return not self.optional or self.chosen
