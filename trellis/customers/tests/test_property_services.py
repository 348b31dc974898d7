import pytest
from django.db import IntegrityError

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.customers.properties import (
    PropertyDetails,
    contacts_matching,
    properties_search,
    property_create,
    property_history,
    property_roles,
    property_roles_update,
    property_update,
)
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    PropertyContactFactory,
    PropertyFactory,
)

pytestmark = pytest.mark.django_db

Role = PropertyContact.Role


@pytest.fixture
def maria():
    return ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")


@pytest.fixture
def li():
    return ContactFactory(first_name="Li", last_name="Wei", email="li@example.com")


def roles_of(prop):
    return {(pc.contact.first_name, pc.role) for pc in property_roles(property=prop)}


def test_creating_a_property_writes_it_its_roles_and_one_created_entry(staff, maria, li):
    details = PropertyDetails(name="Oak Lodge", street="1 Oak Lane", city="Springfield")

    prop = property_create(
        actor=staff, details=details, roles=[(maria, Role.PRIMARY), (li, Role.OTHER)]
    )

    assert (prop.name, prop.address) == ("Oak Lodge", "1 Oak Lane, Springfield")
    assert roles_of(prop) == {("Maria", Role.PRIMARY), ("Li", Role.OTHER)}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_repr) == (
        "property.created",
        staff,
        "Oak Lodge",
    )
    assert entry.data["changes"] == [
        {"added": {}},
        {"added": {"name": "property role", "object": "Maria Lopez — Primary of Oak Lodge"}},
        {"added": {"name": "property role", "object": "Li Wei — Other of Oak Lodge"}},
    ]


def test_updating_names_the_fields_and_roles_that_changed_in_one_entry(staff, maria, li):
    prop = PropertyFactory(name="Oak Lodge", city="Springfield")
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    details = PropertyDetails.of(prop)
    moved = PropertyDetails(**{**vars(details), "city": "Shelbyville", "postal_code": "12345"})

    property_update(property=prop, actor=staff, details=moved, roles=[(li, Role.PRIMARY)])

    prop.refresh_from_db()
    assert (prop.city, prop.postal_code) == ("Shelbyville", "12345")
    assert roles_of(prop) == {("Li", Role.PRIMARY)}
    entry = AuditEntry.objects.get()
    assert entry.action == "property.changed"
    assert entry.data["changes"] == [
        {"changed": {"fields": ["City", "Postal code"]}},
        {"deleted": {"name": "property role", "object": "Maria Lopez — Primary of Oak Lodge"}},
        {"added": {"name": "property role", "object": "Li Wei — Primary of Oak Lodge"}},
    ]


def test_an_update_that_changes_nothing_writes_no_entry(staff, maria):
    role = PropertyContactFactory(contact=maria, role=Role.PRIMARY)
    prop = role.property

    property_update(
        property=prop,
        actor=staff,
        details=PropertyDetails.of(prop),
        roles=[(maria, Role.PRIMARY)],
    )

    assert not AuditEntry.objects.exists()


def test_an_update_without_roles_leaves_them_alone(staff, maria):
    role = PropertyContactFactory(contact=maria, role=Role.BILLING)
    renamed = PropertyDetails(**{**vars(PropertyDetails.of(role.property)), "name": "Elm House"})

    property_update(property=role.property, actor=staff, details=renamed)

    assert roles_of(role.property) == {("Maria", Role.BILLING)}
    assert AuditEntry.objects.get().data["changes"] == [{"changed": {"fields": ["Name"]}}]


def test_the_roles_update_records_what_it_removed_and_added(staff, maria, li):
    prop = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=prop, contact=maria, role=Role.PRIMARY)
    PropertyContactFactory(property=prop, contact=li, role=Role.BILLING)

    property_roles_update(
        property=prop, actor=staff, roles=[(maria, Role.BILLING), (li, Role.PRIMARY)]
    )

    assert roles_of(prop) == {("Maria", Role.BILLING), ("Li", Role.PRIMARY)}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("property.changed", staff)
    assert [next(iter(change)) for change in entry.data["changes"]] == [
        "deleted",
        "deleted",
        "added",
        "added",
    ]


def test_the_database_refuses_a_second_primary_contact_and_nothing_is_written(staff, maria, li):
    prop = PropertyFactory()

    with pytest.raises(IntegrityError):
        property_roles_update(
            property=prop, actor=staff, roles=[(maria, Role.PRIMARY), (li, Role.PRIMARY)]
        )

    assert not prop.roles.exists()
    assert not AuditEntry.objects.exists()


def test_the_search_finds_words_of_the_name_or_address_or_the_whole_external_id():
    oak = PropertyFactory(name="Oak Lodge", street="1 Main St", external_id="P-77")
    PropertyFactory(name="Elm House", street="2 Side St")

    assert list(properties_search(text="oak main")) == [oak]
    assert list(properties_search(text="p-77")) == [oak]
    assert list(properties_search(text="p-7")) == []


def test_the_search_lists_properties_missing_a_primary_or_billing_contact(maria):
    has_both = PropertyFactory(name="A")
    PropertyContactFactory(property=has_both, role=Role.PRIMARY)
    PropertyContactFactory(property=has_both, role=Role.BILLING)
    billing_only = PropertyFactory(name="B")
    PropertyContactFactory(property=billing_only, role=Role.BILLING)
    PropertyContactFactory(property=billing_only, contact=maria, role=Role.OTHER)

    assert list(properties_search(missing=Role.PRIMARY)) == [billing_only]
    assert list(properties_search(missing=Role.BILLING)) == []
    [found] = properties_search(missing=Role.PRIMARY)
    assert (found.other_contacts, [pc.role for pc in found.portal_roles]) == (1, [Role.BILLING])


def test_the_history_lists_the_newest_documents_and_counts_them_all():
    prop = PropertyFactory()
    made = [InvoiceFactory(property=prop) for _ in range(12)]

    invoices = property_history(property=prop)["invoices"]

    assert invoices.count == 12
    assert invoices.rows == made[::-1][:10]


def test_the_contact_chooser_matches_name_words_email_or_external_id(maria, li):
    maria.external_id = "C-1"
    maria.save()

    assert list(contacts_matching(text="mar lop")) == [maria]
    assert list(contacts_matching(text="li@example.com")) == [li]
    assert list(contacts_matching(text="c-1")) == [maria]


def test_the_actor_may_be_the_system():
    prop = property_create(actor=None, details=PropertyDetails(name="Oak"))

    assert AuditEntry.objects.get(target_id=prop.pk).actor is None
