"""The world of these tests: Greenway Landscaping, and 12 Oak Street, whose
Primary contact is Paula and whose Billing contact is Bill."""

import datetime as dt
from decimal import Decimal

import pytest

from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.proposals.models import Proposal
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
)


@pytest.fixture
def company(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.sending_address = "portal@greenway.example"
    company.brand_colour = "#1f5f8b"
    company.save()
    return company


@pytest.fixture
def oak_street(db):
    return PropertyFactory(
        name="Oak Street Residence",
        street="12 Oak Street",
        city="Springfield",
        region="IL",
        postal_code="62701",
    )


@pytest.fixture
def paula(oak_street):
    """Oak Street's Primary contact: proposals are for her."""
    contact = ContactFactory(first_name="Paula", last_name="Prime", email="paula@example.com")
    PropertyContactFactory(property=oak_street, contact=contact, role=PropertyContact.Role.PRIMARY)
    return contact


@pytest.fixture
def bill(oak_street):
    """Oak Street's Billing contact: invoices are for him."""
    contact = ContactFactory(first_name="Bill", last_name="Payne", email="bill@example.com")
    PropertyContactFactory(property=oak_street, contact=contact, role=PropertyContact.Role.BILLING)
    return contact


@pytest.fixture
def invoice(company, oak_street):
    return InvoiceFactory(
        property=oak_street,
        number="INV-1001",
        issued_on=dt.date(2026, 3, 2),
        due_on=dt.date(2026, 4, 1),
        tax_rate=Decimal("8.25"),
        memo="Thank you for your business.",
        lines=[
            {
                "description": "Weekly mowing",
                "quantity": Decimal(4),
                "unit_price": Decimal("45.00"),
            },
            {
                "description": "Mulch delivery",
                "quantity": Decimal("2.5"),
                "unit_price": Decimal("38.40"),
                "taxable": False,
            },
        ],
    )


@pytest.fixture
def proposal(company, oak_street):
    return ProposalFactory(
        property=oak_street,
        number="PR-2001",
        title="Spring planting",
        status=Proposal.Status.DRAFT,
        valid_until=dt.date(2026, 4, 30),
        notes="Work starts the week after approval.",
        items=[
            {"description": "Flower beds", "unit_price": Decimal("300.00")},
            {
                "description": "Drip irrigation",
                "unit_price": Decimal("150.00"),
                "optional": True,
                "chosen": True,
            },
            {
                "description": "Garden lighting",
                "unit_price": Decimal("420.00"),
                "optional": True,
            },
        ],
    )


@pytest.fixture
def office(client, staff):
    """A browser signed in to the back office as Jane (staff, every permission)."""
    client.force_login(staff)
    return client
