"""django-otp's device pages in the office, audited like every other page.

This is where support helps someone who lost their phone: deleting the
person's TOTP device removes their authenticator app and recovery codes
(trellis.accounts.two_factor.two_factor_devices_remove), and staff who must
use two-factor set it up again at their next page. Keys and codes are never
shown here (OTP_ADMIN_HIDE_SENSITIVE_DATA).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.models import User
from trellis.accounts.two_factor import two_factor_devices_remove
from trellis.office.admin.audit import AuditedAdminMixin

# Customers' accounts have no email of their own: they are found by their contact's.
DEVICE_SEARCH = ["user__email", "user__contact__email"]


class DeviceAdminMixin(AuditedAdminMixin):
    """Read, and deleted when a phone is lost: a device is added by its owner
    scanning the code on their own set-up page, never here."""

    search_fields = DEVICE_SEARCH
    search_help_text = "Search by the account's sign-in email"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user__contact")


class AuditedTOTPDeviceAdmin(DeviceAdminMixin, TOTPDeviceAdmin):
    audit_name = "two_factor_device"

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        two_factor_devices_remove(user=obj.user, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for device in queryset.select_related("user"):
                two_factor_devices_remove(user=device.user, actor=_actor(request))


class AuditedStaticDeviceAdmin(DeviceAdminMixin, StaticDeviceAdmin):
    audit_name = "recovery_codes"


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


# django-otp registered its own admins as the admin loaded its apps' modules
# (they come before this app in INSTALLED_APPS): these take their place.
for model, model_admin in (
    (TOTPDevice, AuditedTOTPDeviceAdmin),
    (StaticDevice, AuditedStaticDeviceAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
