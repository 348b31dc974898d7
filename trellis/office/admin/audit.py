from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models, router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_record
from trellis.office.admin.raw_data import ReadOnly

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class AuditedAdminMixin(_ModelAdmin):
    """Writes an audit entry for every add, change and delete made in the admin.

    Adds and changes are recorded where the admin records its own history
    (log_addition, log_change): after the inlines are saved, so the entry lists
    what changed in them too (a property's roles, an invoice's lines), and on
    every path that changes an object, the password form included. The entry
    names the fields that changed, not their values, so a password set here
    never reaches the log. Deletions are recorded just before the rows go, in
    the same transaction.
    """

    # The first part of the action name ("contact" in "contact.changed");
    # the model's name unless an admin says otherwise.
    audit_name: str | None = None

    def audit(self, request: HttpRequest, verb: str, obj: models.Model, **data: Any) -> None:
        audit_record(
            action=f"{self.audit_name or self.opts.model_name}.{verb}",
            target=obj,
            actor=request.user if isinstance(request.user, User) else None,
            data=data,
        )

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self.audit(request, "created", obj, changes=message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self.audit(request, "changed", obj, changes=message)
        return super().log_change(request, obj, message)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self.audit(request, "deleted", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset:
                self.audit(request, "deleted", obj)
            super().delete_queryset(request, queryset)


class ActorFilter(admin.SimpleListFilter):
    """Staff by name, plus "customers" and "the system": the list of every
    customer who ever acted would be as long as the customer list."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        staff = User.objects.filter(is_staff=True).order_by("email")
        return [
            ("system", "The system"),
            ("customers", "Customers"),
            *((str(user.pk), user.get_full_name() or str(user.email)) for user in staff),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value()
        if value is None:
            return None
        if value == "system":
            return queryset.filter(actor__isnull=True)
        if value == "customers":
            return queryset.filter(actor__contact__isnull=False)
        return queryset.filter(actor_id=value)


ENTRY_FIELDS = [
    "created_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target_link",
    "data",
    "request_id",
    "ip_address",
]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    """The log is append-only: staff read it here and nothing else."""

    list_display = ["created_at", "action", "target_link", "target_type", "actor"]
    list_filter = ["action", ActorFilter, "target_type", "created_at"]
    list_select_related = ["actor__contact", "target_type"]
    search_fields = [
        "action",
        "target_repr",
        "=target_id",
        "=request_id",
        "actor__email",
        "actor__contact__email",
    ]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = ENTRY_FIELDS
    fields = [*ENTRY_FIELDS]

    @admin.display(description="target", ordering="target_repr")
    def target_link(self, entry: AuditEntry) -> str:
        if entry.target_type is None or not entry.target_id:
            return entry.target_repr
        ct = entry.target_type
        try:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[entry.target_id])
        except NoReverseMatch:
            return entry.target_repr
        return format_html('<a href="{}">{}</a>', url, entry.target_repr or entry.target_id)
