from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from trellis.company.cache import (
    company_cache_forget,
    company_cache_key,
    company_cache_put,
    company_cached,
)

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #RRGGBB, for example #2f6b3a.")
currency_code = RegexValidator(r"^[A-Z]{3}$", "Enter a three-letter ISO currency code, like USD.")


class CompanyQuerySet(models.QuerySet["Company"]):
    def update(self, **kwargs: Any) -> int:
        # An update sends no post_save: it tells the cache itself.
        updated = super().update(**kwargs)
        company_cache_forget()
        return updated


class Company(models.Model):
    """The landscaping company this Trellis installation serves: there is one row.

    Branding and the portal switches live here, so staff change them in the back
    office rather than in a deployment setting.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    name = models.CharField(max_length=200, default="Your landscaping company")
    logo = models.ImageField(upload_to="company/", blank=True)
    brand_colour = models.CharField(max_length=7, default="#2f6b3a", validators=[hex_colour])
    currency = models.CharField(max_length=3, default="USD", validators=[currency_code])
    sending_address = models.EmailField(
        default="portal@example.com",
        help_text="The From address of portal email when the staff user's own domain "
        "is not verified for sending.",
    )
    verified_sending_domains = models.JSONField(
        default=list,
        blank=True,
        help_text='Domains verified for sending (SPF/DKIM), e.g. ["greenway.example"]. '
        "Staff with an address on one of these send invitations from their own address.",
    )
    staff_notification_email = models.EmailField(
        blank=True,
        help_text="Where staff are told of portal activity: approvals, declines, new "
        "requests and comments. Empty: nobody is emailed (the back office still lists them).",
    )

    class AutopayCharge(models.TextChoices):
        DUE_DATE = "due_date", "On the invoice's due date"
        PUBLISHING = "publishing", "As soon as the invoice is published"

    autopay_charge_on = models.CharField(
        "autopay charges",
        max_length=10,
        choices=AutopayCharge.choices,
        default=AutopayCharge.DUE_DATE,
        help_text="When an invoice of a property on autopay is charged to the customer's method.",
    )
    autopay_notice_days = models.PositiveSmallIntegerField(
        "autopay notice (days ahead)",
        default=3,
        validators=[MaxValueValidator(30)],
        help_text="How many days before charging on the due date the customer is emailed "
        "that the invoice will be charged.",
    )
    convenience_fee_percent = models.DecimalField(
        "convenience fee (%)",
        max_digits=4,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Offered when staff charge saved methods in bulk; billed as its own "
        "invoice. 0: no fee.",
    )
    proposals_enabled = models.BooleanField("Proposals section on", default=True)
    invoices_enabled = models.BooleanField("Invoices section on", default=True)
    requests_enabled = models.BooleanField("Requests section on", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = "company settings"
        verbose_name_plural = "company settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="company_is_a_singleton"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def load(cls) -> Company:
        """The row, created with the defaults the first time. Read from the
        cache where every process shares it (trellis.company.cache), from the
        database otherwise and inside a transaction."""
        key = company_cache_key()
        company = company_cached(key) if key else None
        if company is None:
            company, _ = cls.objects.get_or_create(id=cls.SINGLETON_ID)
            if key:
                company_cache_put(key, company)
        return company

    def sends_for_domain(self, domain: str) -> bool:
        return domain.lower() in {d.lower() for d in self.verified_sending_domains}
