"""The company's one row of settings, as stored (edited on office:settings)."""

from __future__ import annotations

from django.contrib import admin

from trellis.company.models import Company
from trellis.office.admin.raw_data import RawDataAdmin


@admin.register(Company)
class CompanyAdmin(RawDataAdmin):
    list_display = ["name", "currency", "sending_address", "updated_at"]
