"""Django's admin as the raw data (trellis/office/admin_site.py): a superuser
reads every model's rows as stored; nobody adds, changes or deletes through
it; staff who are not superusers are refused, and everyone else is sent to
the office's sign-in. Staff work on the office's own pages (trellis/office/urls.py),
whose permissions are trellis/tests/test_permission_matrix.py's."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from trellis.office.tests.objects import MAKERS, admin_url
from trellis.testing.factories import DEFAULT_PASSWORD, CustomerAccountFactory, StaffFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("office:sign-in")
EVERY_LIST = [admin_url(label, "changelist") for label in MAKERS]
# A lost phone's two-factor devices are deleted here (trellis/office/admin/two_factor.py).
DELETED_HERE = {"otp_totp.totpdevice", "otp_static.staticdevice"}


def test_every_model_in_the_raw_data_is_covered_by_these_tests():
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(MAKERS)


@pytest.mark.parametrize("url", [reverse("admin:index"), *EVERY_LIST])
def test_anonymous_visitors_are_sent_to_the_office_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(f"{SIGN_IN}?next=")


@pytest.mark.parametrize("url", [reverse("admin:index"), *EVERY_LIST])
def test_a_customer_signed_in_to_the_portal_is_sent_to_the_office_sign_in(client, alice, url):
    client.force_login(alice)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(f"{SIGN_IN}?next=")


def test_the_raw_data_has_no_sign_in_of_its_own(client, staff, alice):
    for email in (staff.login_email, alice.login_email):
        response = client.post(
            reverse("admin:login"), {"username": email, "password": DEFAULT_PASSWORD}
        )

        assert response.status_code == 302
        assert response.url.startswith(SIGN_IN)
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", [reverse("admin:index"), *EVERY_LIST])
def test_staff_who_are_not_superusers_are_refused_whatever_they_may_do(client, url):
    sam = StaffFactory(email="sam@greenway.example")
    sam.user_permissions.set(Permission.objects.all())
    client.force_login(sam)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("label", MAKERS)
def test_a_superuser_reads_the_list_and_a_record_of_every_model(office, label):
    record = MAKERS[label]()

    assert office.get(admin_url(label, "changelist")).status_code == 200
    page = office.get(admin_url(label, "change", record.pk))
    assert page.status_code == 200
    assert b'type="submit" value="Save"' not in page.content


def test_a_superuser_reads_a_customers_account(office):
    account = CustomerAccountFactory()

    assert office.get(admin_url("accounts.user", "change", account.pk)).status_code == 200


@pytest.mark.parametrize("label", MAKERS)
def test_nothing_is_added_or_changed_in_the_raw_data_even_by_a_superuser(office, label):
    record = MAKERS[label]()
    count = type(record).objects.count()

    assert office.get(admin_url(label, "add")).status_code == 403
    assert office.post(admin_url(label, "add"), {}).status_code == 403
    assert office.post(admin_url(label, "change", record.pk), {}).status_code == 403
    assert type(record).objects.count() == count


@pytest.mark.parametrize("label", [label for label in MAKERS if label not in DELETED_HERE])
def test_no_record_is_deleted_in_the_raw_data_even_by_a_superuser(office, label):
    record = MAKERS[label]()

    assert office.get(admin_url(label, "delete", record.pk)).status_code == 403
    assert office.post(admin_url(label, "delete", record.pk), {"post": "yes"}).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()
