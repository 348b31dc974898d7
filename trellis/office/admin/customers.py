"""Contacts, properties and their roles, as stored."""

from __future__ import annotations

from django.contrib import admin

from trellis.customers.models import Contact, Property, PropertyContact
from trellis.office.admin.raw_data import RawDataAdmin, RawDataInline


class ContactRolesInline(RawDataInline):
    model = PropertyContact
    fk_name = "contact"
    fields = ["property", "role", "created_at"]
    verbose_name = "role on a property"
    verbose_name_plural = "roles on properties"


class PropertyRolesInline(RawDataInline):
    model = PropertyContact
    fk_name = "property"
    fields = ["contact", "role", "created_at"]
    verbose_name = "contact role"
    verbose_name_plural = "contact roles"


@admin.register(Contact)
class ContactAdmin(RawDataAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "company_name", "external_id"]
    search_fields = ["first_name", "last_name", "email", "phone", "company_name", "=external_id"]
    ordering = ["last_name", "first_name", "id"]
    inlines = [ContactRolesInline]


@admin.register(Property)
class PropertyAdmin(RawDataAdmin):
    list_display = ["name", "street", "city", "region", "external_id"]
    list_filter = ["region"]
    search_fields = ["name", "street", "city", "postal_code", "=external_id"]
    ordering = ["name", "id"]
    inlines = [PropertyRolesInline]


@admin.register(PropertyContact)
class PropertyContactAdmin(RawDataAdmin):
    list_display = ["property", "contact", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["property", "contact"]
    search_fields = ["property__name", "contact__first_name", "contact__last_name"]
    ordering = ["property__name", "role", "id"]
