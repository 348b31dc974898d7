from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from trellis.company.models import Company
from trellis.office.admin.audit import AuditedAdminMixin
from trellis.office.branding import saved_company


@admin.register(Company)
class CompanyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """One row of settings: the list is skipped for its only row, and that row
    can be neither added twice nor deleted."""

    list_display = ["name", "currency", "sending_address", "updated_at"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        ("Branding", {"fields": ["name", "logo", "brand_colour", "currency"]}),
        ("Email", {"fields": ["sending_address", "verified_sending_domains"]}),
        (
            "Customer portal",
            {"fields": ["proposals_enabled", "invoices_enabled", "requests_enabled"]},
        ),
        (None, {"fields": ["updated_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and saved_company(request) is None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        opts = self.opts
        if Company.objects.filter(pk=Company.SINGLETON_ID).exists():
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[Company.SINGLETON_ID]
            )
        else:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        return HttpResponseRedirect(url)
