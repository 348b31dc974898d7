"""The document lists given a contact's properties read already
(ContactProperties) list exactly what the rule's own subquery lists, and
refuse another contact's."""

import pytest

from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import ContactFactory, PropertyFactory
from trellis.visibility import (
    ContactProperties,
    visible_invoices,
    visible_issues,
    visible_properties,
    visible_proposals,
)

pytestmark = pytest.mark.django_db


def test_the_lists_are_the_same_with_the_properties_read_already():
    contact, other = ContactFactory(), ContactFactory()
    for role in (
        PropertyContact.Role.PRIMARY,
        PropertyContact.Role.BILLING,
        PropertyContact.Role.OTHER,
    ):
        invoices(property_of(contact, role=role), 2)
    invoices(property_of(other), 2)
    invoices(PropertyFactory(), 2)
    company = Company.load()
    theirs = ContactProperties.of(contact, visible_properties(contact=contact))
    assert len(theirs.ids) == 2
    for visible in (visible_invoices, visible_proposals, visible_issues):
        with_ids = visible(contact=contact, company=company, properties=theirs)
        assert set(with_ids) == set(visible(contact=contact, company=company))
    assert visible_invoices(contact=contact, company=company, properties=theirs).count() == 4


def test_another_contacts_properties_are_refused():
    contact, other = ContactFactory(), ContactFactory()
    property_of(other)
    theirs = ContactProperties.of(other, visible_properties(contact=other))
    with pytest.raises(ValueError, match="another contact"):
        visible_invoices(contact=contact, company=Company.load(), properties=theirs)
