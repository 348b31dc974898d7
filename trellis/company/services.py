"""Changing the company's settings: the one row of trellis.company.Company."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from trellis.accounts.models import User
from trellis.audit.services import audit_fields_changed
from trellis.company.models import Company

# What staff may change; the id and the update time are the row's own.
EDITABLE = frozenset(
    {
        "name",
        "logo",
        "brand_colour",
        "currency",
        "sending_address",
        "verified_sending_domains",
        "staff_notification_email",
        "proposals_enabled",
        "invoices_enabled",
        "requests_enabled",
        "autopay_charge_on",
        "autopay_notice_days",
        "convenience_fee_percent",
    }
)


def company_settings_update(*, actor: User | None, **fields: Any) -> list[str]:
    """Set the company's settings given in `fields` (valid values, as a form
    cleans them; for `logo`, an uploaded file, or False to remove the logo) and
    return the names of those that changed. An entry "company.changed" in the
    audit log names the changed fields as the admin names them (never their
    values); nothing changed, nothing is written.

    Raises TypeError for a field that is not a setting."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"Not a company setting: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        Company.load()
        company = Company.objects.select_for_update().get(pk=Company.SINGLETON_ID)
        # In the model's order, as the admin names them, whatever order they came in.
        changed = [
            field.name
            for field in Company._meta.concrete_fields
            if field.name in fields and _differs(company, field.name, fields[field.name])
        ]
        if not changed:
            return []
        for name in changed:
            removed_logo = name == "logo" and fields[name] is False
            setattr(company, name, "" if removed_logo else fields[name])
        company.save()
        audit_fields_changed(action="company.changed", target=company, actor=actor, fields=changed)
    return changed


def _differs(company: Company, name: str, value: Any) -> bool:
    if name == "logo":
        # A new upload always changes it; False removes the logo there is.
        return isinstance(value, UploadedFile) or (value is False and bool(company.logo))
    return bool(getattr(company, name) != value)
