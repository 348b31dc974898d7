import pytest
from django.db import IntegrityError, transaction

from trellis.customers.models import PropertyContact
from trellis.customers.services import property_set_roles
from trellis.testing.factories import ContactFactory, PropertyContactFactory, PropertyFactory

pytestmark = pytest.mark.django_db

Role = PropertyContact.Role


def test_a_property_has_at_most_one_primary_contact():
    role = PropertyContactFactory(role=Role.PRIMARY)
    with pytest.raises(IntegrityError), transaction.atomic():
        PropertyContactFactory(property=role.property, role=Role.PRIMARY)


def test_a_property_has_at_most_one_billing_contact():
    role = PropertyContactFactory(role=Role.BILLING)
    with pytest.raises(IntegrityError), transaction.atomic():
        PropertyContactFactory(property=role.property, role=Role.BILLING)


def test_a_property_may_have_many_other_contacts():
    prop = PropertyFactory()
    PropertyContactFactory.create_batch(3, property=prop, role=Role.OTHER)
    assert prop.roles.filter(role=Role.OTHER).count() == 3


def test_one_contact_may_be_primary_and_billing_and_hold_roles_on_many_properties():
    contact = ContactFactory()
    first, second = PropertyFactory.create_batch(2)
    PropertyContactFactory(property=first, contact=contact, role=Role.PRIMARY)
    PropertyContactFactory(property=first, contact=contact, role=Role.BILLING)
    PropertyContactFactory(property=second, contact=contact, role=Role.PRIMARY)
    assert set(contact.properties.all()) == {first, second}


def test_the_same_role_cannot_be_recorded_twice():
    role = PropertyContactFactory(role=Role.OTHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        PropertyContactFactory(property=role.property, contact=role.contact, role=Role.OTHER)


def test_an_unknown_role_is_refused_by_the_database():
    role = PropertyContactFactory(role=Role.OTHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        PropertyContact.objects.filter(pk=role.pk).update(role="owner")


def test_setting_roles_replaces_them_exactly():
    prop = PropertyFactory()
    maria, li, sam = ContactFactory.create_batch(3)
    property_set_roles(property=prop, roles=[(maria, Role.PRIMARY), (li, Role.OTHER)])

    property_set_roles(
        property=prop, roles=[(maria, Role.BILLING), (sam, Role.PRIMARY), (li, Role.OTHER)]
    )

    held = set(prop.roles.values_list("contact_id", "role"))
    assert held == {(maria.pk, Role.BILLING), (sam.pk, Role.PRIMARY), (li.pk, Role.OTHER)}


def test_setting_roles_keeps_the_rows_that_did_not_change():
    prop = PropertyFactory()
    maria = ContactFactory()
    [kept] = property_set_roles(property=prop, roles=[(maria, Role.PRIMARY)])
    [again] = property_set_roles(property=prop, roles=[(maria, Role.PRIMARY)])
    assert again.pk == kept.pk
