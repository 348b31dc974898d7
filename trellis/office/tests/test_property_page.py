import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.customers.models import Contact, PropertyContact
from trellis.issues.models import Issue
from trellis.office import pages
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.test_properties_list import staff_with
from trellis.proposals.models import Proposal
from trellis.testing.factories import (
    InvoiceFactory,
    IssueFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

Role = PropertyContact.Role


def page_url(prop):
    return reverse("office:property", kwargs={"property_id": prop.pk})


def test_the_page_shows_the_address_and_each_contact_with_their_role(office, alice, charlie):
    prop = PropertyFactory(
        name="Oak Lodge", street="1 Oak Lane", city="Springfield", external_id="P-7"
    )
    PropertyContactFactory(property=prop, contact=charlie, role=Role.OTHER)
    PropertyContactFactory(property=prop, contact=alice.contact, role=Role.BILLING)
    PropertyContactFactory(property=prop, contact=alice.contact, role=Role.PRIMARY)

    response = office.get(page_url(prop))

    assert [(r.obj.contact, r.obj.role) for r in response.context["roles"]] == [
        (alice.contact, Role.PRIMARY),
        (alice.contact, Role.BILLING),
        (charlie, Role.OTHER),
    ]
    page = response.text
    assert "1 Oak Lane, Springfield" in page
    assert "P-7" in page
    assert (
        f'<a href="{pages.page_url("contact", charlie.pk)}">Charlie Chen</a></td><td>Other</td>'
        in page
    )


def test_the_page_lists_the_propertys_proposals_invoices_and_requests_linked(office):
    prop = PropertyFactory()
    proposal = ProposalFactory(property=prop, number="PR-5001")
    invoice = InvoiceFactory(property=prop, number="INV-24042")
    request = IssueFactory(property=prop, subject="Broken sprinkler head")
    ProposalFactory(number="PR-OTHER")

    page = office.get(page_url(prop)).text

    assert f'<a href="{pages.page_url("proposal", proposal.pk)}">PR-5001</a>' in page
    assert f'<a href="{pages.page_url("invoice", invoice.pk)}">INV-24042</a>' in page
    assert f'<a href="{pages.page_url("request", request.pk)}">Broken sprinkler head</a>' in page
    assert "PR-OTHER" not in page


def test_the_page_shows_the_newest_ten_of_each_and_says_how_many_there_are(office):
    prop = PropertyFactory()
    documents_of(prop, 12)

    response = office.get(page_url(prop))

    assert len(response.context["invoices"]["rows"]) == 10
    assert "The newest 10 of 12." in response.text


def test_a_property_nobody_holds_a_role_on_says_nobody_sees_it(office):
    response = office.get(page_url(PropertyFactory()))

    assert "nobody sees this property in the portal" in response.text


def test_the_page_warns_of_a_missing_billing_contact(office):
    role = PropertyContactFactory(role=Role.PRIMARY)

    response = office.get(page_url(role.property))

    assert response.context["missing"] == ["Billing"]
    assert '<span class="badge warn">No Billing contact</span>' in response.text


def test_only_staff_who_may_change_properties_see_the_edit_button(client):
    prop = PropertyFactory()
    edit = reverse("office:property-edit", kwargs={"property_id": prop.pk})
    client.force_login(staff_with("view_property"))
    assert edit not in client.get(page_url(prop)).text

    client.force_login(staff_with("view_property", "change_property"))
    assert f'href="{edit}"' in client.get(page_url(prop)).text


def test_a_missing_property_is_not_found(office):
    assert office.get(reverse("office:property", kwargs={"property_id": 999999})).status_code == 404


def documents_of(prop, count):
    """`count` proposals, invoices and requests on the property, and as many
    contacts holding an other role on it, in bulk."""
    now = timezone.now()
    start = Invoice.objects.count() + Proposal.objects.count()
    Proposal.objects.bulk_create(
        Proposal(property=prop, number=f"PB-{start + n}", title="Mowing", created_at=now)
        for n in range(count)
    )
    Invoice.objects.bulk_create(
        Invoice(
            property=prop,
            number=f"IB-{start + n}",
            issued_on=dt.date(2026, 10, 1),
            due_on=dt.date(2026, 10, 31),
            subtotal=Decimal(100),
            total=Decimal(100),
        )
        for n in range(count)
    )
    Issue.objects.bulk_create(Issue(property=prop, subject=f"Leak {n}") for n in range(count))
    contacts = Contact.objects.bulk_create(
        Contact(first_name=f"Other{start + n}") for n in range(count)
    )
    PropertyContact.objects.bulk_create(
        PropertyContact(property=prop, contact=c, role=Role.OTHER) for c in contacts
    )


def test_the_page_runs_as_many_queries_for_500_contacts_and_documents_as_for_5(office):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, role=Role.PRIMARY)

    assert_queries_do_not_grow(office, page_url(prop), add_rows=lambda n: documents_of(prop, n))
