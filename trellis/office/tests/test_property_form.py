import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.tests import test_property_services as persons
from trellis.office.forms.properties import contact_label
from trellis.office.tests.forms import _values
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.test_properties_list import staff_with
from trellis.office.views.properties import CHANGED_MEANWHILE
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import ContactFactory, PropertyContactFactory, PropertyFactory
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db

ADD = reverse("office:property-add")
CHOICES = reverse("office:contact-choices")
Role = PropertyContact.Role
# Maria Lopez and Li Wei, the contacts of the services' tests.
maria, li = persons.maria, persons.li


def edit_url(prop):
    return reverse("office:property-edit", kwargs={"property_id": prop.pk})


def form_data(response):
    """What the browser posts back: the address, the management form and every row."""
    roles = response.context["roles"]
    data = _values(response.context["form"]) | _values(roles.management_form)
    for row in roles.forms:
        data |= _values(row)
    return data


def row_of(data, role, n=0):
    """The prefix of the n-th row showing `role`, like "roles-1-"."""
    keys = [k for k, v in data.items() if k.endswith("-role") and v == role]
    return keys[n].removesuffix("role")


def roles_of(prop):
    return set(prop.roles.values_list("contact__first_name", "role"))


def test_staff_add_a_property_with_its_primary_billing_and_other_contacts(
    office, staff, maria, li, charlie
):
    data = form_data(office.get(ADD)) | {"name": "Oak Lodge", "street": "1 Oak Lane"}
    data[row_of(data, Role.PRIMARY) + "contact"] = contact_label(maria)
    data[row_of(data, Role.BILLING) + "contact"] = "li@example.com"  # typed, without a suggestion
    data[row_of(data, Role.OTHER) + "contact"] = "Charlie Chen"

    response = office.post(ADD, data)

    prop = Property.objects.get(name="Oak Lodge")
    assert response.status_code == 302
    assert response["Location"] == reverse("office:property", kwargs={"property_id": prop.pk})
    assert roles_of(prop) == {
        ("Maria", Role.PRIMARY),
        ("Li", Role.BILLING),
        ("Charlie", Role.OTHER),
    }
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_repr) == (
        "property.created",
        staff,
        "Oak Lodge",
    )
    assert len(entry.data["changes"]) == 4
    assert "Oak Lodge was added." in office.get(response["Location"]).text


def test_the_form_shows_the_current_roles_and_blank_rows_for_more(office, maria):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=maria, role=Role.BILLING)

    data = form_data(office.get(edit_url(prop)))

    assert data["roles-0-contact"] == contact_label(maria)
    assert [data[f"roles-{n}-role"] for n in range(4)] == [
        Role.BILLING,
        Role.PRIMARY,
        Role.OTHER,
        Role.OTHER,
    ]
    assert data["roles-TOTAL_FORMS"] == "4"


def test_staff_swap_roles_remove_one_and_add_one_in_one_save(office, staff, maria, li, charlie):
    prop = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    PropertyContactFactory(property=prop, contact=li, role=Role.BILLING)
    ola = ContactFactory(first_name="Ola", last_name="Berg")
    PropertyContactFactory(property=prop, contact=ola, role=Role.OTHER)
    data = form_data(office.get(edit_url(prop)))
    primary, billing = row_of(data, Role.PRIMARY), row_of(data, Role.BILLING)
    data[primary + "role"], data[billing + "role"] = Role.BILLING, Role.PRIMARY
    data[row_of(data, Role.OTHER) + "remove"] = "on"
    data[row_of(data, Role.OTHER, 1) + "contact"] = contact_label(charlie)

    response = office.post(edit_url(prop), data)

    assert response.status_code == 302
    assert roles_of(prop) == {
        ("Maria", Role.BILLING),
        ("Li", Role.PRIMARY),
        ("Charlie", Role.OTHER),
    }
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("property.changed", staff)
    assert entry.data["changes"] == [
        {"deleted": {"name": "property role", "object": "Maria Lopez — Primary of Oak Lodge"}},
        {"deleted": {"name": "property role", "object": "Li Wei — Billing of Oak Lodge"}},
        {"deleted": {"name": "property role", "object": "Ola Berg — Other of Oak Lodge"}},
        {"added": {"name": "property role", "object": "Maria Lopez — Billing of Oak Lodge"}},
        {"added": {"name": "property role", "object": "Li Wei — Primary of Oak Lodge"}},
        {"added": {"name": "property role", "object": "Charlie Chen — Other of Oak Lodge"}},
    ]
    assert "Your changes to Oak Lodge were saved." in office.get(response["Location"]).text


def test_clearing_a_name_takes_the_contact_off_the_property(office, maria):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    data = form_data(office.get(edit_url(prop))) | {"roles-0-contact": ""}

    office.post(edit_url(prop), data)

    assert roles_of(prop) == set()


def test_changing_only_the_address_writes_a_changed_entry_naming_the_fields(office, maria):
    prop = PropertyFactory(city="Springfield")
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    data = form_data(office.get(edit_url(prop))) | {"city": "Shelbyville"}

    office.post(edit_url(prop), data)

    assert AuditEntry.objects.get().data["changes"] == [{"changed": {"fields": ["City"]}}]
    assert roles_of(prop) == {("Maria", Role.PRIMARY)}


def test_a_second_primary_contact_is_refused_beside_the_row_keeping_what_was_typed(
    office, maria, li
):
    prop = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    data = form_data(office.get(edit_url(prop))) | {"name": "Oak Lodge East"}
    second = row_of(data, Role.OTHER)
    data[second + "contact"], data[second + "role"] = "li@example.com", Role.PRIMARY

    response = office.post(edit_url(prop), data)

    assert response.status_code == 200
    row = response.context["roles"].forms[int(second.split("-")[1])]
    assert row.errors["role"] == [
        "Maria Lopez is already the Primary contact: a property has one Primary contact. "
        "Choose another role, or remove one of the two."
    ]
    page = response.text
    assert 'value="Oak Lodge East"' in page
    assert 'value="li@example.com"' in page
    assert "Please correct what is marked below" in page
    prop.refresh_from_db()
    assert (prop.name, roles_of(prop)) == ("Oak Lodge", {("Maria", Role.PRIMARY)})
    assert not AuditEntry.objects.exists()


def test_the_same_contact_twice_in_one_role_is_refused(office, maria):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=maria, role=Role.OTHER)
    data = form_data(office.get(edit_url(prop)))
    data[row_of(data, Role.OTHER, 1) + "contact"] = "Maria Lopez"

    response = office.post(edit_url(prop), data)

    errors = [row.errors.get("contact") for row in response.context["roles"].forms if row.errors]
    assert errors == [["Maria Lopez is already listed as Other."]]


def test_a_contact_nobody_or_several_match_is_explained(office, maria):
    ContactFactory(first_name="Mario", last_name="Lopez")
    data = form_data(office.get(ADD)) | {"name": "Oak Lodge"}
    data[row_of(data, Role.PRIMARY) + "contact"] = "Nobody Here"
    data[row_of(data, Role.BILLING) + "contact"] = "lopez"

    response = office.post(ADD, data)

    [nobody, several] = [row.errors["contact"] for row in response.context["roles"].forms[:2]]
    assert nobody == ["No contact has the name, email or external ID “Nobody Here”."]
    assert several == [
        "More than one contact matches “lopez”: type more of the name, or their email."
    ]
    assert not Property.objects.exists()


def test_a_whole_name_picks_its_contact_among_longer_ones(office, maria):
    ContactFactory(first_name="Maria", last_name="Lopez-Garcia")
    data = form_data(office.get(ADD)) | {"name": "Oak Lodge"}
    data[row_of(data, Role.PRIMARY) + "contact"] = "maria lopez"

    assert office.post(ADD, data).status_code == 302
    assert roles_of(Property.objects.get()) == {("Maria", Role.PRIMARY)}


def test_an_external_id_another_property_has_is_refused_beside_it(office):
    PropertyFactory(external_id="P-1")
    data = form_data(office.get(ADD)) | {"name": "Oak Lodge", "external_id": "P-1"}

    response = office.post(ADD, data)

    assert response.context["form"].errors["external_id"]
    assert Property.objects.count() == 1


def test_a_clash_with_a_save_made_meanwhile_is_explained_and_nothing_saved(
    office, maria, monkeypatch
):
    def clash(**kwargs):
        raise IntegrityError("property_has_one_primary_contact")

    monkeypatch.setattr("trellis.office.views.properties.property_create", clash)
    data = form_data(office.get(ADD)) | {"name": "Oak Lodge"}
    data[row_of(data, Role.PRIMARY) + "contact"] = contact_label(maria)

    response = office.post(ADD, data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [CHANGED_MEANWHILE]
    assert 'value="Oak Lodge"' in response.text


def test_removing_a_role_removes_the_contacts_portal_access_at_their_next_request(office, alice):
    prop = property_of(alice.contact, role=Role.PRIMARY)
    [invoice] = invoices(prop, 1)
    customer = Client()
    sign_in(customer, alice.contact.email)
    invoice_page = f"/invoices/{invoice.pk}/"
    assert customer.get(invoice_page).status_code == 200
    data = form_data(office.get(edit_url(prop)))
    data[row_of(data, Role.PRIMARY) + "remove"] = "on"

    office.post(edit_url(prop), data)

    assert customer.get(invoice_page).status_code == 404


def test_the_chooser_suggests_matching_contacts_as_json(office, maria, li):
    response = office.get(CHOICES, {"q": "mar"})

    assert response.json() == {"choices": [contact_label(maria)]}
    assert office.get(CHOICES, {"q": "m"}).json() == {"choices": []}


def test_the_chooser_suggests_twenty_contacts_at_most(office):
    Contact.objects.bulk_create(Contact(first_name=f"Sam{n}", last_name="Smith") for n in range(30))

    assert len(office.get(CHOICES, {"q": "smith"}).json()["choices"]) == 20


def test_staff_who_may_not_see_contacts_get_no_suggestions_and_no_chooser_address(client):
    client.force_login(staff_with("change_property"))
    prop = PropertyFactory()

    assert client.get(CHOICES, {"q": "ma"}).status_code == 403
    assert "data-contact-choices" not in client.get(edit_url(prop)).text


def test_changing_a_property_needs_only_the_change_permission(client, maria):
    prop = PropertyFactory(name="Oak Lodge")
    client.force_login(staff_with("change_property"))
    data = form_data(client.get(edit_url(prop)))
    data[row_of(data, Role.PRIMARY) + "contact"] = contact_label(maria)

    assert client.post(edit_url(prop), data).status_code == 302
    assert roles_of(prop) == {("Maria", Role.PRIMARY)}


def test_the_form_never_lists_the_companys_contacts(office):
    Contact.objects.bulk_create(Contact(first_name=f"Many{n}") for n in range(30))

    page = office.get(ADD).text

    assert "Many1" not in page
    assert "<option" not in page.split('id="contact-choices"')[1].split("</datalist>")[0]


def contacts(count):
    Contact.objects.bulk_create(
        Contact(first_name=f"Bulk{n}", last_name="Contact") for n in range(count)
    )


def test_the_edit_form_runs_as_many_queries_for_500_contacts_as_for_5(office, maria):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)

    assert_queries_do_not_grow(office, edit_url(prop), add_rows=contacts)


def test_the_edit_form_runs_as_many_queries_for_500_roles_as_for_5(office):
    prop = PropertyFactory()

    def roles(count):
        made = Contact.objects.bulk_create(Contact(first_name=f"Role{n}") for n in range(count))
        PropertyContact.objects.bulk_create(
            PropertyContact(property=prop, contact=c, role=Role.OTHER) for c in made
        )

    assert_queries_do_not_grow(office, edit_url(prop), add_rows=roles)


def test_the_add_form_runs_as_many_queries_for_500_contacts_as_for_5(office):
    assert_queries_do_not_grow(office, ADD, add_rows=contacts)


def test_the_chooser_runs_as_many_queries_for_500_contacts_as_for_5(office):
    assert_queries_do_not_grow(office, f"{CHOICES}?q=bulk", add_rows=contacts)


def test_a_missing_property_is_not_found(office):
    assert (
        office.get(reverse("office:property-edit", kwargs={"property_id": 999999})).status_code
        == 404
    )
