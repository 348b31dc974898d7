"""Staff for the settings and staff pages' tests: holding exactly some permissions."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from trellis.accounts.models import User
from trellis.testing.factories import StaffFactory


def staff_holding(*perms: str, **fields: object) -> User:
    """A staff member with exactly `perms` ("app_label.codename")."""
    member = StaffFactory(**fields)
    for perm in perms:
        app_label, codename = perm.split(".")
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return member
