from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Contact(models.Model):
    """A customer of the company: a person who may be invited to the portal.

    Whether the contact is Customer Portal Verified is not stored here: it is
    the existence of its portal account (`portal_account`), so it can never
    disagree with reality.
    """

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(
        blank=True, help_text="Also the contact's portal sign-in email, once it has an account."
    )
    phone = models.CharField(max_length=40, blank=True)
    company_name = models.CharField("customer company", max_length=200, blank=True)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the portal and of the emails this contact receives.",
    )
    receipt_emails = models.BooleanField(
        "email receipts",
        default=True,
        help_text="Whether the contact is emailed a receipt for each payment. "
        "Payment failures and autopay notices are sent whatever this says.",
    )
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        permissions = [("invite_contact", "Can invite contacts to the customer portal")]
        indexes = [
            models.Index(Lower("email"), name="contact_email_ci_idx"),
            models.Index(fields=["last_name", "first_name"], name="contact_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Property(models.Model):
    """A place the company services; contacts hold roles on it."""

    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    external_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    contacts: models.ManyToManyField[Contact, PropertyContact] = models.ManyToManyField(
        Contact, through="PropertyContact", related_name="properties"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "properties"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        locality = " ".join(p for p in [self.region, self.postal_code] if p)
        return ", ".join(p for p in [self.street, self.city, locality] if p)


class PropertyContact(models.Model):
    """A contact's role on a property. Only Primary and Billing open the portal."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary"
        BILLING = "billing", "Billing"
        OTHER = "other", "Other"

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="roles")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "property role"
        ordering = ["property", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["property", "contact", "role"],
                name="property_contact_role_once",
                violation_error_message="This contact already holds that role on this property.",
            ),
            models.UniqueConstraint(
                fields=["property"],
                condition=models.Q(role="primary"),
                name="property_has_one_primary_contact",
                violation_error_message="This property already has a Primary contact.",
            ),
            models.UniqueConstraint(
                fields=["property"],
                condition=models.Q(role="billing"),
                name="property_has_one_billing_contact",
                violation_error_message="This property already has a Billing contact.",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["primary", "billing", "other"]),
                name="property_contact_role_known",
            ),
        ]
        indexes = [models.Index(fields=["contact", "role"], name="property_contact_by_contact")]

    def __str__(self) -> str:
        return f"{self.contact} — {self.get_role_display()} of {self.property}"
