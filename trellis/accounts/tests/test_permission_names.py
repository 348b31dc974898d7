"""Permission names follow a model's new name (trellis/accounts/permission_names.py)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

from trellis.accounts.permission_names import permission_names_follow

pytestmark = pytest.mark.django_db

STEP = permission_names_follow("issues", {"issue": ("issue", "request")})


def names() -> set[str]:
    return set(
        Permission.objects.filter(
            content_type__app_label="issues", codename__endswith="_issue"
        ).values_list("name", flat=True)
    )


def test_a_new_database_names_the_permissions_in_staff_words():
    assert names() == {
        "Can add request",
        "Can change request",
        "Can delete request",
        "Can view request",
    }


def test_an_existing_database_has_its_permissions_renamed_and_back():
    Permission.objects.filter(codename="view_issue").update(name="Can view issue")

    STEP.code(apps, None)
    assert Permission.objects.get(codename="view_issue").name == "Can view request"

    STEP.reverse_code(apps, None)
    assert names() == {"Can add issue", "Can change issue", "Can delete issue", "Can view issue"}


def test_other_models_permissions_keep_their_names():
    before = Permission.objects.get(codename="view_comment").name

    STEP.code(apps, None)

    assert Permission.objects.get(codename="view_comment").name == before
