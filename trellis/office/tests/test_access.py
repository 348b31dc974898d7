import pytest
from django.contrib import admin
from django.urls import reverse

from trellis.office.tests.objects import MAKERS, admin_url
from trellis.testing.factories import DEFAULT_PASSWORD, CustomerAccountFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


# The models whose list, add and change pages staff open like any other; the
# company settings and the audit log have rules of their own (the last tests
# here, test_company.py and test_audit.py).
# Email is only ever written by the outbox, never added in the office (trellis/mail/tests).
REGULAR = [
    label
    for label in MAKERS
    if label
    not in {
        "company.company",
        "audit.auditentry",
        "mail.outgoingemail",
        "accounts.accessattempt",
        "accounts.accesstoken",
    }
]
EVERY_LIST = [admin_url(label, "changelist") for label in MAKERS]


def test_every_model_in_the_office_is_covered_by_these_tests():
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(MAKERS)


@pytest.mark.parametrize("url", [reverse("admin:index"), *EVERY_LIST])
def test_anonymous_visitors_are_sent_to_the_office_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize(
    "url",
    [reverse("admin:index"), *EVERY_LIST, *(admin_url(label, "add") for label in REGULAR)],
)
def test_a_customer_signed_in_to_the_portal_is_sent_to_the_office_login(client, alice, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")


def test_a_customer_cannot_sign_in_to_the_office_with_their_portal_email(client, alice):
    response = client.post(LOGIN, {"username": alice.login_email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("label", REGULAR)
def test_staff_open_the_list_of_every_model(office, label):
    MAKERS[label]()
    assert office.get(admin_url(label, "changelist")).status_code == 200


@pytest.mark.parametrize("label", REGULAR)
def test_staff_open_the_add_page_of_every_model(office, label):
    assert office.get(admin_url(label, "add")).status_code == 200


@pytest.mark.parametrize("label", REGULAR)
def test_staff_open_the_change_page_of_every_model(office, label):
    obj = MAKERS[label]()
    assert office.get(admin_url(label, "change", obj.pk)).status_code == 200


def test_staff_open_the_page_of_a_customers_account(office):
    account = CustomerAccountFactory()
    assert office.get(admin_url("accounts.user", "change", account.pk)).status_code == 200


def test_staff_open_the_company_settings(office):
    company = MAKERS["company.company"]()
    assert office.get(admin_url("company.company", "change", company.pk)).status_code == 200


def test_staff_read_an_audit_entry(office):
    entry = MAKERS["audit.auditentry"]()
    assert office.get(admin_url("audit.auditentry", "changelist")).status_code == 200
    assert office.get(admin_url("audit.auditentry", "change", entry.pk)).status_code == 200


@pytest.mark.parametrize(
    "label", ["mail.outgoingemail", "accounts.accessattempt", "accounts.accesstoken"]
)
def test_staff_read_what_only_the_system_writes_and_cannot_add_or_change_it(office, label):
    record = MAKERS[label]()
    assert office.get(admin_url(label, "changelist")).status_code == 200
    page = office.get(admin_url(label, "change", record.pk))
    assert page.status_code == 200
    assert b'type="submit" value="Save"' not in page.content
    assert office.get(admin_url(label, "add")).status_code == 403
