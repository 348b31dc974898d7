import pytest
from django.urls import reverse

from trellis.customers.models import PropertyContact
from trellis.office.tests.forms import form_data
from trellis.testing.factories import ContactFactory, PropertyContactFactory, PropertyFactory

pytestmark = pytest.mark.django_db

PROPERTIES = reverse("admin:customers_property_changelist")
Role = PropertyContact.Role


def change_url(prop):
    return reverse("admin:customers_property_change", args=[prop.pk])


def row_of(data, contact):
    """The prefix of the contact's row in the roles inline, like "roles-1-"."""
    [key] = [k for k, v in data.items() if k.endswith("-contact") and v == str(contact.pk)]
    return key.removesuffix("contact")


def roles_of(prop):
    return set(prop.roles.values_list("contact__first_name", "role"))


def test_the_property_list_shows_the_primary_and_billing_contacts(office, alice, charlie):
    prop = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=prop, contact=alice.contact, role=Role.PRIMARY)
    PropertyContactFactory(property=prop, contact=charlie, role=Role.BILLING)
    PropertyContactFactory(property=prop, role=Role.OTHER)

    response = office.get(PROPERTIES)

    admin = response.context["cl"].model_admin
    [listed] = response.context["cl"].result_list
    assert admin.primary_contact(listed) == alice.contact
    assert admin.billing_contact(listed) == charlie
    assert "Alice Arnold" in response.text
    assert "Charlie Chen" in response.text
    contacts = reverse("admin:customers_contact_changelist")
    assert f'href="{contacts}?property={prop.pk}"' in response.text


def test_properties_without_a_primary_contact_can_be_listed(office):
    PropertyContactFactory(property__name="Has one", role=Role.PRIMARY)
    PropertyContactFactory(property__name="Has none", role=Role.BILLING)

    response = office.get(PROPERTIES, {"missing": Role.PRIMARY})

    assert [p.name for p in response.context["cl"].result_list] == ["Has none"]


def test_staff_swap_the_primary_and_billing_contacts_in_one_save(office):
    maria, li = ContactFactory(first_name="Maria"), ContactFactory(first_name="Li")
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    PropertyContactFactory(property=prop, contact=li, role=Role.BILLING)
    data = form_data(office.get(change_url(prop)))
    data[row_of(data, maria) + "role"] = Role.BILLING
    data[row_of(data, li) + "role"] = Role.PRIMARY

    response = office.post(change_url(prop), data)

    assert response.status_code == 302
    assert roles_of(prop) == {("Maria", Role.BILLING), ("Li", Role.PRIMARY)}


def test_a_second_primary_contact_is_refused_with_a_message(office, charlie):
    role = PropertyContactFactory(role=Role.PRIMARY)
    data = form_data(office.get(change_url(role.property))) | {
        "roles-1-contact": charlie.pk,
        "roles-1-role": Role.PRIMARY,
    }

    response = office.post(change_url(role.property), data)

    [roles] = response.context["inline_admin_formsets"]
    assert roles.formset.non_form_errors() == ["A property has one Primary contact at most."]
    assert roles_of(role.property) == {(role.contact.first_name, Role.PRIMARY)}


def test_removing_a_role_on_the_property_page_removes_it(office, charlie):
    role = PropertyContactFactory(contact=charlie, role=Role.BILLING)
    data = form_data(office.get(change_url(role.property))) | {"roles-0-DELETE": "on"}

    office.post(change_url(role.property), data)

    assert roles_of(role.property) == set()


def test_a_second_primary_contact_is_refused_on_the_property_contacts_page_too(office):
    role = PropertyContactFactory(role=Role.PRIMARY)
    url = reverse("admin:customers_propertycontact_add")
    data = form_data(office.get(url)) | {
        "property": role.property.pk,
        "contact": ContactFactory().pk,
        "role": Role.PRIMARY,
    }

    response = office.post(url, data)

    assert response.status_code == 200
    # The constraint's message, checked by the model form before saving.
    assert response.context["adminform"].form.non_field_errors() == [
        "This property already has a Primary contact."
    ]
    assert role.property.roles.count() == 1
