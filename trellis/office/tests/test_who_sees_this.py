"""Who sees this in the portal, on the office's proposal, invoice and issue
pages: each contact linked to the property, and the portal's own verdict."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trellis.company.models import Company
from trellis.office.why_visible import who_sees
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    IssueFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def contact(first, last, *, account=True):
    person = ContactFactory(first_name=first, last_name=last)
    if account:
        CustomerAccountFactory(contact=person)
    return person


@pytest.fixture
def oak_lodge():
    """Oak Lodge: Paula (Primary), Bill (Billing, no portal account) and Olga (Other)."""
    prop = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=prop, contact=contact("Paula", "Prime"), role="primary")
    PropertyContactFactory(
        property=prop, contact=contact("Bill", "Payne", account=False), role="billing"
    )
    PropertyContactFactory(property=prop, contact=contact("Olga", "Other"), role="other")
    return prop


def by_name(rows):
    return {row.contact.full_name: row for row in rows}


def test_a_published_invoice_is_seen_by_its_primary_and_billing_contacts(oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())

    rows = by_name(who_sees(invoice))

    assert set(rows) == {"Paula Prime", "Bill Payne", "Olga Other"}
    paula, bill, olga = rows["Paula Prime"], rows["Bill Payne"], rows["Olga Other"]
    assert (paula.sees_it, paula.roles, paula.has_account) == (True, ["Primary"], True)
    # Bill sees it in the portal, but has no account to sign in with yet.
    assert (bill.sees_it, bill.roles, bill.has_account) == (True, ["Billing"], False)
    assert not olga.sees_it
    assert [f.rule for f in olga.failures] == ["property_role"]
    assert olga.failures[0].message == (
        "Olga Other is only a contact with the role “Other” on Oak Lodge: only its Primary "
        "or Billing contact sees its proposals, invoices and requests."
    )


def test_an_unpublished_invoice_is_seen_by_nobody(oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=None, emailed_at=None)

    rows = by_name(who_sees(invoice))

    assert not any(row.sees_it for row in rows.values())
    for row in rows.values():
        assert "published" in [f.rule for f in row.failures]
        assert any("neither printed nor emailed" in f.message for f in row.failures)
    # Every rule that fails is listed, not just the first.
    assert [f.rule for f in rows["Olga Other"].failures] == ["property_role", "published"]


def test_a_contact_with_several_roles_has_one_row(oak_lodge):
    paula = oak_lodge.roles.get(role="primary").contact
    PropertyContactFactory(property=oak_lodge, contact=paula, role="other")
    invoice = InvoiceFactory(property=oak_lodge, emailed_at=timezone.now())

    rows = [row for row in who_sees(invoice) if row.contact == paula]

    assert len(rows) == 1
    assert sorted(rows[0].roles) == ["Other", "Primary"]
    assert rows[0].sees_it


def test_an_issue_without_include_client_is_seen_by_nobody(oak_lodge):
    issue = IssueFactory(property=oak_lodge, subject="Dead hedge", include_client=False)

    rows = by_name(who_sees(issue))

    assert not any(row.sees_it for row in rows.values())
    assert [f.message for f in rows["Paula Prime"].failures] == [
        "The request “Dead hedge” does not have Include Client checked."
    ]


def test_an_issue_with_include_client_is_seen_by_the_primary_contact(oak_lodge):
    issue = IssueFactory(property=oak_lodge, include_client=True)

    assert by_name(who_sees(issue))["Paula Prime"].sees_it


def test_a_proposal_is_seen_by_nobody_when_the_proposals_section_is_off(oak_lodge):
    company = Company.load()
    company.proposals_enabled = False
    company.save()
    proposal = ProposalFactory(property=oak_lodge, printed_at=timezone.now())

    rows = by_name(who_sees(proposal))

    assert not any(row.sees_it for row in rows.values())
    assert [f.message for f in rows["Paula Prime"].failures] == [
        "The company has switched the Proposals section of the portal off."
    ]


def test_a_published_proposal_is_seen_when_the_section_is_on(oak_lodge):
    proposal = ProposalFactory(property=oak_lodge, printed_at=timezone.now())

    assert by_name(who_sees(proposal))["Paula Prime"].sees_it


def panel(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="who-sees-this"' in html
    return html[html.index('id="who-sees-this"') :]


def test_the_invoice_page_shows_who_sees_it(office, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())

    html = panel(office.get(reverse("admin:billing_invoice_change", args=[invoice.pk])))

    assert "Who sees this in the portal" in html
    assert "Paula Prime" in html
    assert "Bill Payne" in html
    assert "No account: cannot sign in to the portal" in html
    assert "Sees it" in html
    assert "Doesn't see it" in html
    assert "Olga Other is only a contact with the role “Other” on Oak Lodge" in html


def test_the_proposal_page_shows_who_sees_it(office, oak_lodge):
    proposal = ProposalFactory(property=oak_lodge)

    html = panel(office.get(reverse("admin:proposals_proposal_change", args=[proposal.pk])))

    assert "Proposal " in html
    assert "has been neither printed nor emailed" in html


def test_the_issue_page_shows_who_sees_it(office, oak_lodge):
    issue = IssueFactory(property=oak_lodge, subject="Dead hedge", include_client=False)

    html = panel(office.get(reverse("admin:issues_issue_change", args=[issue.pk])))

    assert "Paula Prime" in html
    assert "The request “Dead hedge” does not have Include Client checked." in html


def test_a_property_with_no_contacts_says_so(office):
    issue = IssueFactory()

    html = panel(office.get(reverse("admin:issues_issue_change", args=[issue.pk])))

    assert "No contacts are linked to this property" in html


def property_with_contacts(count):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=contact("P", "Rimary"), role="primary")
    PropertyContactFactory(
        property=prop, contact=contact("B", "Illing", account=False), role="billing"
    )
    for n in range(count - 2):
        PropertyContactFactory(
            property=prop, contact=contact("O", f"Ther{n}", account=n % 2 == 0), role="other"
        )
    return prop


def queries_for(office, url):
    with CaptureQueriesContext(connection) as queries:
        response = office.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("admin_name", "make"),
    [
        ("billing_invoice", lambda prop: InvoiceFactory(property=prop)),
        ("proposals_proposal", lambda prop: ProposalFactory(property=prop)),
        ("issues_issue", lambda prop: IssueFactory(property=prop)),
    ],
)
def test_the_page_costs_the_same_queries_however_many_contacts(office, admin_name, make):
    few, many = make(property_with_contacts(5)), make(property_with_contacts(20))
    url = f"admin:{admin_name}_change"
    queries_for(office, reverse(url, args=[few.pk]))  # warm up: sessions, content types

    assert len(who_sees(many)) == 20
    assert queries_for(office, reverse(url, args=[few.pk])) == queries_for(
        office, reverse(url, args=[many.pk])
    )


def test_each_contact_links_to_its_troubleshoot_page_with_this_document_chosen(office, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())
    paula = oak_lodge.roles.get(role="primary").contact

    html = panel(office.get(reverse("admin:billing_invoice_change", args=[invoice.pk])))

    troubleshoot = reverse("admin:customers_contact_troubleshoot", args=[paula.pk])
    assert f'href="{troubleshoot}?document=invoice:{invoice.pk}">Troubleshoot</a>' in html
    assert html.count(">Troubleshoot</a>") == 3
    page = office.get(f"{troubleshoot}?document=invoice:{invoice.pk}")
    assert page.context["document_check"].document == invoice
    assert page.context["document_check"].passed


def test_the_issue_panel_links_to_the_troubleshoot_page_with_the_request_chosen(office, oak_lodge):
    issue = IssueFactory(property=oak_lodge)
    olga = oak_lodge.roles.get(role="other").contact

    html = panel(office.get(reverse("admin:issues_issue_change", args=[issue.pk])))

    troubleshoot = reverse("admin:customers_contact_troubleshoot", args=[olga.pk])
    assert f'href="{troubleshoot}?document=request:{issue.pk}"' in html
