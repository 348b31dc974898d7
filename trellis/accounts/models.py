from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a staff member, or a customer's portal account.

    Staff sign in with their own `email`. A customer's account belongs to a
    Contact and has no email of its own: it signs in with the contact's current
    email, so there is one source of truth for that address (see DESIGN.md).
    """

    email = models.EmailField(unique=True, null=True, blank=True, help_text="Staff sign-in email.")
    contact = models.OneToOneField(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_account",
        help_text="The contact this customer portal account belongs to.",
    )
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=(
                    models.Q(contact__isnull=True, email__isnull=False)
                    | models.Q(contact__isnull=False, email__isnull=True, is_staff=False)
                ),
                name="user_is_staff_with_email_or_customer_with_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.login_email or f"user {self.pk}"

    @property
    def is_customer(self) -> bool:
        return self.contact_id is not None

    @property
    def login_email(self) -> str:
        if self.contact_id is not None:
            return self.contact.email  # type: ignore[union-attr]
        return self.email or ""

    def get_full_name(self) -> str:
        if self.contact_id is not None:
            return self.contact.full_name  # type: ignore[union-attr]
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.get_full_name() or self.login_email


class AccessToken(models.Model):
    """A single-use link sent by email: a contact's invitation or password
    reset, or a staff member's link to set their password.

    Only the SHA-256 of the token is stored; the token itself exists only in the
    email. A token works once, until it expires, and issuing a new one of the
    same purpose for the same contact or staff member revokes the earlier ones.
    A link belongs to exactly one of them: a contact for the portal's purposes,
    a staff user for STAFF_PASSWORD.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        PASSWORD_RESET = "password_reset", "Password reset"
        STAFF_PASSWORD = "staff_password", "Staff password"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        USED = "used", "Used"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_tokens",
    )
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        help_text="The staff member a set-password link is for.",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = models.EmailField(help_text="The address the link was sent to.")
    created_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who sent it; empty when the customer asked for it.",
    )
    email = models.ForeignKey(
        "mail.OutgoingEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # What staff call it: an invitation or a reset is a link they emailed.
        verbose_name = "emailed link"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "purpose", "-created_at"], name="token_by_contact"),
            models.Index(fields=["user", "purpose", "-created_at"], name="token_by_user"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["invitation", "password_reset", "staff_password"]),
                name="token_purpose_known",
            ),
            # Exactly one owner, the one its purpose is for.
            models.CheckConstraint(
                condition=(
                    models.Q(purpose="staff_password", contact__isnull=True, user__isnull=False)
                    | (
                        ~models.Q(purpose="staff_password")
                        & models.Q(contact__isnull=False, user__isnull=True)
                    )
                ),
                name="token_for_a_contact_or_a_staff_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.sent_to}"

    def state_at(self, moment: datetime) -> str:
        if self.used_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= moment:
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())


class AccessAttempt(models.Model):
    """Every sign-in (portal and office), forgot-password request and refused
    link, whatever its outcome: what support looks at, and what throttling
    counts (trellis.accounts.attempts)."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Sign-in"
        PASSWORD_RESET = "password_reset", "Forgot password"
        INVITATION = "invitation", "Invitation link"
        RESET_LINK = "reset_link", "Password reset link"

    class Side(models.TextChoices):
        PORTAL = "portal", "Portal"
        OFFICE = "office", "Back office"

    class Result(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        WRONG_CREDENTIALS = "wrong_credentials", "Wrong email or password"
        RECEIVED = "received", "Received, being handled"
        RESET_SENT = "reset_sent", "Reset link sent"
        NO_ACCOUNT = "no_account", "No account with this email"
        BAD_LINK = "bad_link", "Link not valid"
        THROTTLED = "throttled", "Refused: too many attempts"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.PORTAL)
    created_at = models.DateTimeField(default=timezone.now)
    email_tried = models.CharField(max_length=320)
    account_key = models.CharField(
        max_length=320,
        blank=True,
        default="",
        help_text="The email folded so that look-alike spellings share one throttling bucket.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text="The trusted device cookie the attempt came with, if any.",
    )
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_attempts",
        help_text="The account the email belongs to, if any.",
    )
    result = models.CharField(max_length=20, choices=Result.choices)

    class Meta:
        verbose_name = "sign-in attempt"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "email_tried", "-created_at"], name="attempt_by_email"),
            models.Index(fields=["kind", "account_key", "-created_at"], name="attempt_by_account"),
            models.Index(fields=["kind", "ip_address", "-created_at"], name="attempt_by_ip"),
            models.Index(
                fields=["device", "-created_at"],
                name="attempt_by_device",
                condition=~models.Q(device=""),
            ),
            models.Index(fields=["user", "-created_at"], name="attempt_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.email_tried}: {self.get_result_display()}"
