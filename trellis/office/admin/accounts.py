"""Staff and customer accounts in the back office.

Staff accounts sign in with their own email and password, which staff with the
permission can set here. A customer's account is reached through its contact:
it signs in with the contact's current email, and its password is the
customer's alone, so the admin neither shows nor sets it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse

from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.office.admin.audit import AuditedAdminMixin
from trellis.office.readonly import ReadOnlyAdminMixin


class StaffEmailMixin:
    """Staff emails are unique whatever their case (the database says so too)."""

    instance: User
    cleaned_data: dict[str, Any]
    fields: dict[str, forms.Field]

    def require_email(self) -> None:
        # Staff who may only view users get the page without the field.
        if "email" in self.fields:
            self.fields["email"].required = True

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("A user with this email already exists.")
        return email


class StaffCreationForm(StaffEmailMixin, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.require_email()
        # Customers get their accounts by accepting an invitation; here, staff only.
        self.instance.is_staff = True


class StaffChangeForm(StaffEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.require_email()


class CustomerAccountForm(forms.ModelForm):
    """All staff may change on a customer's account: whether it is active."""

    class Meta:
        model = User
        fields = ["is_active"]


class AccountKindFilter(admin.SimpleListFilter):
    title = "account"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("staff", "Staff"), ("customer", "Customer")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "staff":
            return queryset.filter(contact__isnull=True)
        if self.value() == "customer":
            return queryset.filter(contact__isnull=False)
        return None


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = [
        "sign_in_email",
        "full_name",
        "contact",
        "is_staff",
        "is_superuser",
        "is_active",
        "last_login",
        "date_joined",
    ]
    list_select_related = ["contact"]
    list_filter = [AccountKindFilter, "is_staff", "is_superuser", "is_active", "groups"]
    search_fields = [
        "email",
        "first_name",
        "last_name",
        "contact__email",
        "contact__first_name",
        "contact__last_name",
    ]
    ordering = ["-date_joined", "-id"]
    date_hierarchy = "date_joined"
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "password1", "password2"],
                "description": "A staff account. Customers get theirs by accepting "
                "an invitation to the portal.",
            },
        ),
    ]
    customer_fieldsets = [
        (None, {"fields": ["contact", "sign_in_email", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is not None and obj.is_customer:
            return self.customer_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is not None and obj.is_customer:
            return ["contact", "sign_in_email", *self.readonly_fields]
        return self.readonly_fields

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None and obj.is_customer:
            kwargs["form"] = CustomerAccountForm
        return super().get_form(request, obj, change=change, **kwargs)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None and user.is_customer:
            raise PermissionDenied("A customer's password is theirs alone.")
        return super().user_change_password(request, id, form_url)

    @admin.display(description="sign-in email", ordering=Coalesce("email", "contact__email"))
    def sign_in_email(self, user: User) -> str:
        return user.login_email

    @admin.display(description="name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()


# Groups carry permissions: their changes belong in the audit log too.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    pass


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every sign-in (portal and office), forgot-password request and bad link,
    for support: an old email typed at sign-in shows up here."""

    list_display = ["created_at", "side", "kind", "email_tried", "result", "ip_address", "user"]
    list_filter = ["side", "kind", "result", "created_at"]
    list_select_related = ["user__contact"]
    search_fields = ["email_tried", "=ip_address", "user__contact__email"]
    date_hierarchy = "created_at"


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invitations and password-reset links: their state, never the link itself
    (only its hash is stored)."""

    list_display = ["created_at", "purpose", "contact", "sent_to", "state", "created_by", "email"]
    list_filter = ["purpose", "created_at"]
    list_select_related = ["contact", "created_by__contact", "email"]
    search_fields = ["sent_to", "contact__first_name", "contact__last_name", "contact__email"]
    exclude = ["token_hash"]
    date_hierarchy = "created_at"

    @admin.display(description="state")
    def state(self, token: AccessToken) -> str:
        return AccessToken.State(token.state).label
