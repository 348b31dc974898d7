import io

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from trellis.customers.models import PropertyContact
from trellis.imports.services import import_document, parse_document

pytestmark = pytest.mark.django_db

DEMO = settings.BASE_DIR / "demo" / "demo.json"


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_the_demo_data_imports_cleanly_and_again_without_duplicates():
    call_command("import", str(DEMO), stdout=io.StringIO(), stderr=io.StringIO())
    counts = row_counts()

    result = import_document(data=parse_document(DEMO.read_bytes()))

    after = row_counts()
    assert after.pop("audit.AuditEntry") == counts.pop("audit.AuditEntry") + 1
    assert after == counts
    assert sum(c["created"] for c in result.counts.values()) == 0
    assert result.counts["contacts"] == {"created": 0, "updated": 25}
    assert result.counts["properties"] == {"created": 0, "updated": 30}


def test_the_demo_contacts_hold_the_roles_the_readme_describes():
    import_document(data=parse_document(DEMO.read_bytes()))

    def roles(external_id):
        return sorted(
            PropertyContact.objects.filter(contact__external_id=external_id).values_list(
                "property__external_id", "role"
            )
        )

    assert roles("C-1001") == [
        ("P-2001", "billing"),
        ("P-2001", "primary"),
        ("P-2002", "billing"),
        ("P-2002", "primary"),
    ]
    assert roles("C-1003") == [("P-2004", "primary")]
    assert roles("C-1014") == [("P-2007", "other"), ("P-2014", "other")]
