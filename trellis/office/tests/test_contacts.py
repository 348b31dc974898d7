import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.forms import form_data
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    PropertyContactFactory,
    PropertyFactory,
)

pytestmark = pytest.mark.django_db

CONTACTS = reverse("admin:customers_contact_changelist")
Role = PropertyContact.Role


def listed(response):
    return {contact.first_name: contact for contact in response.context["cl"].result_list}


def test_the_contact_list_shows_who_is_customer_portal_verified(office, alice, charlie):
    response = office.get(CONTACTS)

    assert "Portal verified" in response.text
    contacts = listed(response)
    assert contacts["Alice"].portal_verified is True
    assert contacts["Charlie"].portal_verified is False


def test_the_verified_filter_lists_alice_under_yes_and_charlie_under_no(office, alice, charlie):
    assert set(listed(office.get(CONTACTS, {"verified": "yes"}))) == {"Alice"}
    assert set(listed(office.get(CONTACTS, {"verified": "no"}))) == {"Charlie"}


def make_contacts(count):
    for n in range(count):
        contact = ContactFactory()
        if n % 2:
            CustomerAccountFactory(contact=contact)
        PropertyContactFactory(contact=contact, role=Role.BILLING if n % 3 else Role.PRIMARY)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_contact_list_runs_as_many_queries_for_40_contacts_as_for_5(office):
    make_contacts(5)
    with_five = count_queries(office, CONTACTS)
    make_contacts(35)
    assert count_queries(office, CONTACTS) == with_five


@pytest.mark.parametrize("contacts", [5, 40])
def test_the_contact_list_runs_a_handful_of_queries(
    office, contacts, django_assert_max_num_queries
):
    make_contacts(contacts)
    # Session, user, the two-factor device that verified the session, two
    # counts, the company check of the sidebar's "add" links, and the page of
    # contacts with its Exists subquery.
    with django_assert_max_num_queries(7):
        office.get(CONTACTS, {"verified": "yes"})


def test_the_contact_page_says_since_when_the_contact_is_verified(office, alice):
    alice.date_joined = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    alice.save()

    response = office.get(reverse("admin:customers_contact_change", args=[alice.contact.pk]))

    assert "Verified since" in response.text
    assert "March 2, 2026, 9:30 AM" in response.text


def test_an_unverified_contact_has_no_verified_since_date(office, charlie):
    response = office.get(reverse("admin:customers_contact_change", args=[charlie.pk]))
    assert response.context["adminform"].model_admin.portal_verified_since(charlie) is None


def test_the_contact_page_lists_the_contacts_roles_on_properties(office, charlie):
    PropertyContactFactory(contact=charlie, property__name="Oak Lodge", role=Role.BILLING)

    response = office.get(reverse("admin:customers_contact_change", args=[charlie.pk]))

    [roles] = response.context["inline_admin_formsets"]
    assert [(f.instance.property.name, f.instance.role) for f in roles.formset.forms] == [
        ("Oak Lodge", Role.BILLING)
    ]
    assert "Oak Lodge" in response.text


def test_the_roles_table_has_one_row_per_property_with_its_address_and_roles(office, charlie):
    oak = PropertyFactory(name="Oak Lodge", street="12 Oak St", city="Springfield")
    PropertyContactFactory(property=oak, contact=charlie, role=Role.BILLING)
    PropertyContactFactory(property=oak, contact=charlie, role=Role.PRIMARY)
    PropertyContactFactory(contact=charlie, property__name="Elm Court", role=Role.OTHER)

    response = office.get(reverse("admin:customers_contact_change", args=[charlie.pk]))

    table = response.text.split('id="contact-roles"')[1].split("</table>")[0]
    rows = [row.split("</tr>")[0] for row in table.split("<tr>")[2:]]
    assert len(rows) == 2
    assert "Elm Court" in rows[0] and "Other" in rows[0]
    assert "Oak Lodge" in rows[1] and "12 Oak St, Springfield" in rows[1]
    assert "Primary, Billing" in rows[1]
    # Not the raw names of the role records above each row.
    assert "Charlie Chen — Billing of Oak Lodge" not in response.text


def test_the_contact_page_still_sends_what_its_read_only_roles_need_to_save(office, charlie):
    PropertyContactFactory(contact=charlie, property__name="Oak Lodge", role=Role.BILLING)

    response = office.get(reverse("admin:customers_contact_change", args=[charlie.pk]))

    [roles] = response.context["inline_admin_formsets"]
    management = roles.formset.management_form
    expected = [management[name].html_name for name in management.fields]
    expected += [form[name].html_name for form in roles.formset.forms for name in ("id", "contact")]
    for name in expected:
        assert f'name="{name}"' in response.text


def test_the_property_filter_lists_the_contacts_holding_a_role_on_it(office, alice, charlie):
    oak = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=oak, contact=charlie, role=Role.PRIMARY)
    PropertyContactFactory(property=oak, contact=charlie, role=Role.BILLING)
    PropertyContactFactory(contact=alice.contact)

    response = office.get(CONTACTS, {"property": oak.pk})

    assert [c.first_name for c in response.context["cl"].result_list] == ["Charlie"]
    assert "Oak Lodge" in response.text  # the chosen filter shows in the sidebar


def test_contacts_are_found_by_the_name_of_a_property_they_hold_a_role_on(office, alice, charlie):
    PropertyContactFactory(property__name="Oak Lodge", contact=charlie)
    assert set(listed(office.get(CONTACTS, {"q": "oak lodge"}))) == {"Charlie"}


def test_an_email_changed_in_the_office_moves_the_sign_in_and_tells_the_old_address(office, alice):
    url = reverse("admin:customers_contact_change", args=[alice.contact.pk])
    data = form_data(office.get(url)) | {"email": "alice.new@example.com"}

    response = office.post(url, data)

    assert response.status_code == 302
    alice.contact.refresh_from_db()
    assert alice.contact.email == "alice.new@example.com"
    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.EMAIL_CHANGED)
    assert notice.to_address == "alice@example.com"
    assert AuditEntry.objects.filter(action="contact.email_changed").exists()


def test_a_verified_contact_cannot_be_given_an_email_another_account_signs_in_with(office, alice):
    other = CustomerAccountFactory(contact=ContactFactory(email="bob@example.com"))
    url = reverse("admin:customers_contact_change", args=[alice.contact.pk])
    data = form_data(office.get(url)) | {"email": "Bob@example.com"}

    response = office.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "Another account already signs in with this email."
    ]
    assert other.contact.email == "bob@example.com"
    alice.contact.refresh_from_db()
    assert alice.contact.email == "alice@example.com"


def test_contacts_without_an_account_may_share_a_household_email(office, alice):
    household = ContactFactory(email="family@example.com")
    url = reverse("admin:customers_contact_change", args=[household.pk])
    data = form_data(office.get(url)) | {"email": "family@example.com", "first_name": "Sam"}
    ContactFactory(email="family@example.com")
    assert office.post(url, data).status_code == 302
    assert not OutgoingEmail.objects.exists()
