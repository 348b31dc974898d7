import pytest
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.issues.models import Issue
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import IssueFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_sums_up_what_is_due_pending_and_open(alice_client, alice):
    home = property_of(alice.contact, name="Home")
    invoices(home, 2)  # 100.00 due each
    invoices(home, 1, status=Invoice.Status.PARTIALLY_PAID)  # 60.00 left
    invoices(home, 1, published=False)
    ProposalFactory(property=home, printed_at=timezone.now())
    ProposalFactory(property=home)  # never published
    IssueFactory(property=home, include_client=True)
    IssueFactory(property=home, include_client=True, status=Issue.Status.CLOSED)
    IssueFactory(property=home, include_client=False)

    context = alice_client.get("/").context

    assert context["invoices_due_count"] == 3
    assert str(context["balance"]) == "260.00"
    assert context["proposals_pending_count"] == 1
    assert context["requests_pending_count"] == 1


def test_a_property_filter_appears_with_several_properties_and_narrows_everything(
    alice_client, alice
):
    home = property_of(alice.contact, name="Home")
    rental = property_of(alice.contact, role=PropertyContact.Role.BILLING, name="Rental")
    invoices(home, 2)
    invoices(rental, 1)

    everything = alice_client.get("/")
    assert 'name="property"' in everything.content.decode()
    assert everything.context["invoices_due_count"] == 3

    only_rental = alice_client.get(f"/?property={rental.pk}").context
    assert only_rental["invoices_due_count"] == 1
    assert str(only_rental["balance"]) == "100.00"


def test_a_property_the_contact_cannot_see_is_ignored_as_a_filter(alice_client, alice):
    invoices(property_of(alice.contact), 2)
    stranger = property_of(alice.contact, role=PropertyContact.Role.OTHER)
    invoices(stranger, 4)
    context = alice_client.get(f"/?property={stranger.pk}").context
    assert context["chosen_property"] is None
    assert context["invoices_due_count"] == 2


def test_a_contact_without_portal_roles_is_told_why_there_is_nothing(alice_client, alice):
    property_of(alice.contact, role=PropertyContact.Role.OTHER)
    page = alice_client.get("/").content.decode()
    assert "has not linked you to a property as its primary or billing contact" in page


@pytest.mark.parametrize(
    ("flag", "heading"),
    [
        ("invoices_enabled", "Invoices Due"),
        ("proposals_enabled", "Proposals Pending"),
        ("requests_enabled", "Requests Pending"),
    ],
)
def test_a_section_switched_off_leaves_the_dashboard(alice_client, alice, flag, heading):
    property_of(alice.contact)
    assert heading in alice_client.get("/").content.decode()
    company = Company.load()
    setattr(company, flag, False)
    company.save()
    assert heading not in alice_client.get("/").content.decode()


def test_the_company_brand_colour_is_used(alice_client, alice):
    company = Company.load()
    company.brand_colour = "#123456"
    company.save()
    assert "--brand: #123456" in alice_client.get("/").content.decode()
