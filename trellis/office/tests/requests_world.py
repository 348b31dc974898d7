"""What the office's request tests share: Alice's request with a photo, staff
holding only some permissions, and photos kept out of the project's media."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from trellis.accounts.models import User
from trellis.customers.models import PropertyContact
from trellis.issues.models import Issue
from trellis.issues.services import request_open
from trellis.issues.tests.photos import checked, png
from trellis.testing.factories import PropertyContactFactory, StaffFactory


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Photos are written to storage: never into the project's data/media.
    settings.MEDIA_ROOT = tmp_path


def alices_request(alice: User) -> Issue:
    """A request Alice opened in the portal on her home, with a photo."""
    home = PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.PRIMARY).property
    return request_open(
        contact=alice.contact,
        property=home,
        subject="Dead hedge",
        description="The hedge by the gate died over the winter.",
        photos=checked(alice.contact, png()),
    )


def staff_with(*codenames: str, **fields: object) -> User:
    """A staff member holding only these permissions of the issues app."""
    member = StaffFactory(**fields)
    member.user_permissions.set(
        Permission.objects.filter(content_type__app_label="issues", codename__in=codenames)
    )
    return member


def page_of(issue: Issue) -> str:
    return reverse("office:request", kwargs={"request_id": issue.pk})
