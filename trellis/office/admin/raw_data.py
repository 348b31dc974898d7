"""What every raw-data page is: for reading. Staff change records through the
office's own pages (trellis/office/urls.py), whose views call the domain
services; Django's admin, under /admin/ for superusers only
(trellis/office/admin_site.py), shows the rows as they are stored and changes
none of them, so nothing skips a service's checks or its audit entry."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RawDataAdmin(ReadOnly, admin.ModelAdmin):
    list_per_page = 50


class RawDataInline(ReadOnly, admin.TabularInline):
    extra = 0
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(name) for name in self.fields or []]
