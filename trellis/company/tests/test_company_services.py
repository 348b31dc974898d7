import pytest

from trellis.audit.models import AuditEntry
from trellis.company.models import Company
from trellis.company.services import company_settings_update
from trellis.issues.tests.photos import png

pytestmark = pytest.mark.django_db


def test_it_saves_the_settings_and_audits_the_changed_fields_by_name(greenway, staff):
    changed = company_settings_update(
        actor=staff, name="Greenway Gardens", brand_colour="#114477", invoices_enabled=True
    )

    company = Company.load()
    assert changed == ["name", "brand_colour"]
    assert (company.name, company.brand_colour) == ("Greenway Gardens", "#114477")
    entry = AuditEntry.objects.get(action="company.changed")
    assert entry.actor == staff
    assert entry.data == {"changes": [{"changed": {"fields": ["Name", "Brand colour"]}}]}


def test_it_writes_nothing_when_nothing_changed(greenway, staff):
    assert company_settings_update(actor=staff, name=greenway.name) == []
    assert not AuditEntry.objects.filter(action="company.changed").exists()


def test_it_creates_the_row_on_first_save(staff):
    Company.objects.all().delete()
    company_settings_update(actor=staff, staff_notification_email="office@greenway.example")
    assert Company.load().staff_notification_email == "office@greenway.example"


def test_it_turns_a_portal_section_off(greenway, staff):
    company_settings_update(actor=staff, requests_enabled=False)
    assert Company.load().requests_enabled is False


def test_it_stores_a_new_logo_and_removes_it_when_asked(greenway, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    company_settings_update(actor=staff, logo=png("logo.png"))
    assert Company.load().logo.name.startswith("company/")

    assert company_settings_update(actor=staff, logo=False) == ["logo"]
    assert not Company.load().logo


def test_removing_a_logo_there_is_not_changes_nothing(greenway, staff):
    assert company_settings_update(actor=staff, logo=False) == []


def test_it_refuses_what_is_not_a_setting(greenway, staff):
    with pytest.raises(TypeError):
        company_settings_update(actor=staff, id=2)
