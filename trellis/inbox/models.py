from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class InboxItem(models.Model):
    """Something that happened and needs a person at the company: a customer's
    decision, a new request, a payment, an email that could not be delivered…

    A row is added inside the transaction of the event itself (trellis.inbox.services),
    so it exists exactly when the event happened. Staff mark it done, and the
    row says who and when. It points at what it is about with one nullable key
    per kind of object, so the list loads every item's object in one query.
    """

    class Kind(models.TextChoices):
        REQUEST_OPENED = "request_opened", "New request"
        REQUEST_COMMENTED = "request_commented", "Customer comment"
        PROPOSAL_APPROVED = "proposal_approved", "Proposal approved"
        PROPOSAL_DECLINED = "proposal_declined", "Proposal declined"
        PAYMENT_RECEIVED = "payment_received", "Payment received"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_PENDING = "payment_pending", "Payment pending too long"
        EMAIL_FAILED = "email_failed", "Email not delivered"
        INVITATION_PENDING = "invitation_pending", "Invitation not accepted"
        INVITATION_EXPIRED = "invitation_expired", "Invitation expired"
        SIGN_IN_TROUBLE = "sign_in_trouble", "Could not sign in or reset"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    property = models.ForeignKey(
        "customers.Property", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What it is about: the one key its kind uses (a payment's item has its
    # invoice too, a comment's its request), so a link needs no other query.
    proposal = models.ForeignKey(
        "proposals.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    issue = models.ForeignKey(
        "issues.Issue", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "issues.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.ForeignKey(
        "mail.OutgoingEmail", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    access_token = models.ForeignKey(
        "accounts.AccessToken", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the item shows without another query: chosen items, a reason, "
        "the address tried beside the one on file.",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["-created_at", "-id"], name="inbox_open_newest", condition=Q(done_at=None)
            ),
            models.Index(
                fields=["kind", "-created_at"], name="inbox_open_by_kind", condition=Q(done_at=None)
            ),
            models.Index(
                fields=["property", "-created_at"],
                name="inbox_open_by_property",
                condition=Q(done_at=None),
            ),
            models.Index(fields=["-done_at"], name="inbox_done", condition=~Q(done_at=None)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "request_opened",
                        "request_commented",
                        "proposal_approved",
                        "proposal_declined",
                        "payment_received",
                        "payment_failed",
                        "payment_pending",
                        "email_failed",
                        "invitation_pending",
                        "invitation_expired",
                        "sign_in_trouble",
                    ]
                ),
                name="inbox_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(done_by=None) | ~Q(done_at=None), name="inbox_done_by_when_done"
            ),
            # The sweep adds these once each, however often it runs.
            models.UniqueConstraint(
                fields=["payment"], condition=Q(kind="payment_pending"), name="inbox_pending_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "access_token"],
                condition=Q(kind__in=["invitation_pending", "invitation_expired"]),
                name="inbox_invitation_once",
            ),
            # However many times someone asks, a contact has one open item for
            # sign-in trouble: nobody can flood the inbox from the sign-in pages.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(kind="sign_in_trouble", done_at=None),
                name="inbox_sign_in_trouble_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class NotificationPreference(models.Model):
    """Whether a staff member is also emailed about one kind of inbox item.
    No row is the same as "not emailed"."""

    class Delivery(models.TextChoices):
        NONE = "none", "Not emailed"
        IMMEDIATELY = "immediately", "Emailed at once"
        DIGEST = "digest", "In the daily digest"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_preferences"
    )
    kind = models.CharField(max_length=24, choices=InboxItem.Kind.choices)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.NONE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="inbox_preference_once"),
            models.CheckConstraint(
                condition=Q(delivery__in=["none", "immediately", "digest"]),
                name="inbox_preference_delivery_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.get_delivery_display().lower()}"


class DigestSent(models.Model):
    """Up to when a staff member's daily digest has told them of new items."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_digest"
    )
    up_to = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user}: digest up to {self.up_to:%Y-%m-%d %H:%M}"
