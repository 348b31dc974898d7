import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from trellis.customers.models import Contact, Property, PropertyContact
from trellis.office.pages import page_url
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.testing.factories import (
    PropertyContactFactory,
    PropertyFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

PROPERTIES = reverse("office:properties")
Role = PropertyContact.Role


def staff_with(*codenames):
    member = StaffFactory()
    member.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return member


def names(response):
    return [row.property.name for row in response.context["rows"]]


def properties_with_roles(count):
    """`count` properties, each with a Primary, a Billing and two other contacts, in bulk."""
    start = Property.objects.count()
    made = Property.objects.bulk_create(
        Property(name=f"Bulk {start + n:04d}", street=f"{n} Main St", external_id=f"B-{start + n}")
        for n in range(count)
    )
    contacts = Contact.objects.bulk_create(
        Contact(first_name=f"Bulk{start + n}", last_name="Holder") for n in range(count * 4)
    )
    roles = [Role.PRIMARY, Role.BILLING, Role.OTHER, Role.OTHER]
    PropertyContact.objects.bulk_create(
        PropertyContact(property=prop, contact=contacts[n * 4 + i], role=role)
        for n, prop in enumerate(made)
        for i, role in enumerate(roles)
    )


def test_the_list_shows_the_address_and_the_primary_and_billing_contacts_linked(
    office, alice, charlie
):
    prop = PropertyFactory(
        name="Oak Lodge", street="1 Oak Lane", city="Springfield", external_id="P-7"
    )
    PropertyContactFactory(property=prop, contact=alice.contact, role=Role.PRIMARY)
    PropertyContactFactory(property=prop, contact=charlie, role=Role.BILLING)
    PropertyContactFactory.create_batch(2, property=prop, role=Role.OTHER)

    response = office.get(PROPERTIES)

    [row] = response.context["rows"]
    assert (row.primary.obj, row.billing.obj, row.property.other_contacts) == (
        alice.contact,
        charlie,
        2,
    )
    page = response.text
    assert "1 Oak Lane, Springfield" in page
    assert "P-7" in page
    assert f'href="{page_url("contact", alice.contact.pk)}">Alice Arnold</a>' in page
    assert f'href="{page_url("contact", charlie.pk)}">Charlie Chen</a>' in page
    assert f'href="{reverse("office:property", kwargs={"property_id": prop.pk})}"' in page


def test_staff_search_by_name_address_or_external_id(office):
    PropertyFactory(name="Oak Lodge", street="1 Main St", external_id="P-100")
    PropertyFactory(name="Elm House", street="2 Oak Road", external_id="P-200")
    PropertyFactory(name="Birch Farm", street="3 Side St", external_id="P-300")

    assert names(office.get(PROPERTIES, {"q": "oak"})) == ["Elm House", "Oak Lodge"]
    assert names(office.get(PROPERTIES, {"q": "side st"})) == ["Birch Farm"]
    assert names(office.get(PROPERTIES, {"q": "P-300"})) == ["Birch Farm"]


@pytest.mark.parametrize(
    ("missing", "listed"),
    [("primary", ["No one", "Billing only"]), ("billing", ["No one", "Primary only"])],
)
def test_the_properties_whose_customers_see_nothing_can_be_listed(office, missing, listed):
    PropertyContactFactory(property__name="Primary only", role=Role.PRIMARY)
    PropertyContactFactory(property__name="Billing only", role=Role.BILLING)
    PropertyContactFactory(property__name="No one", role=Role.OTHER)

    response = office.get(PROPERTIES, {"missing": missing})

    assert sorted(names(response)) == sorted(listed)
    assert 'class="badge warn">None</span>' in response.text


def test_the_list_is_paginated_and_keeps_its_filters(office):
    properties_with_roles(60)

    first = office.get(PROPERTIES, {"q": "bulk"})
    second = office.get(first.context["listing"].next_url)

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10
    assert "q=bulk" in first.context["listing"].next_url


def test_the_list_runs_as_many_queries_for_500_properties_as_for_5(office):
    assert_queries_do_not_grow(office, PROPERTIES, add_rows=properties_with_roles)


def test_a_filtered_list_runs_as_few_queries(office):
    assert_queries_do_not_grow(office, f"{PROPERTIES}?q=main+st", add_rows=properties_with_roles)


def test_only_staff_who_may_add_properties_see_the_add_button(client):
    add = reverse("office:property-add")
    client.force_login(staff_with("view_property"))
    assert add not in client.get(PROPERTIES).text

    client.force_login(staff_with("view_property", "add_property"))
    assert f'href="{add}"' in client.get(PROPERTIES).text


def test_a_search_that_finds_nothing_says_so(office):
    PropertyFactory(name="Oak Lodge")

    response = office.get(PROPERTIES, {"q": "nowhere"})

    assert "No property matches these filters." in response.text
