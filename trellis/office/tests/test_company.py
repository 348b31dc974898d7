import pytest
from django.urls import reverse

from trellis.company.models import Company
from trellis.office.tests.forms import form_data

pytestmark = pytest.mark.django_db

SETTINGS = reverse("admin:company_company_changelist")
ADD = reverse("admin:company_company_add")
CHANGE = reverse("admin:company_company_change", args=[Company.SINGLETON_ID])
DELETE = reverse("admin:company_company_delete", args=[Company.SINGLETON_ID])


def test_the_company_settings_list_leads_straight_to_the_settings(office):
    Company.load()
    response = office.get(SETTINGS)
    assert response.status_code == 302
    assert response.url == CHANGE


def test_before_there_are_settings_the_list_leads_to_adding_them(office):
    response = office.get(SETTINGS)
    assert response.url == ADD
    assert office.get(ADD).status_code == 200


def test_the_company_settings_cannot_be_added_twice(office):
    Company.load()
    add_page = office.get(ADD)
    assert add_page.status_code == 403
    response = office.post(ADD, {"name": "Greenway Landscaping"})
    assert response.status_code == 403
    assert Company.objects.count() == 1


def test_the_company_settings_cannot_be_deleted(office):
    Company.load()
    assert office.get(DELETE).status_code == 403
    assert office.post(DELETE, {"post": "yes"}).status_code == 403
    assert Company.objects.count() == 1


def test_staff_change_the_company_settings(office):
    Company.load()
    data = form_data(office.get(CHANGE)) | {"name": "Greenway Landscaping"}

    response = office.post(CHANGE, data)

    assert response.status_code == 302
    assert Company.load().name == "Greenway Landscaping"
