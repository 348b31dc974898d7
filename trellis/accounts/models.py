from __future__ import annotations

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
