"""Who sees this in the portal, on the office's proposal, invoice and request
pages: each contact linked to the property, and one answer for each, from the
portal's own rules (trellis.doctor.who_sees)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trellis.company.models import Company
from trellis.doctor.checks import Verdict
from trellis.doctor.who_sees import who_sees
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
    assert (paula.shown, paula.roles, paula.verdict) == (True, ["Primary"], Verdict.PASS)
    assert paula.answer == "Sees it."
    # The portal shows it to Bill, but he has no account to sign in with yet: one answer.
    assert (bill.shown, bill.roles, bill.verdict) == (True, ["Billing"], Verdict.INFO)
    assert bill.answer == "Will see it once they accept an invitation: no portal account yet."
    assert not olga.shown
    assert (olga.verdict, olga.answer) == (Verdict.FAIL, "Doesn't see it.")
    assert [f.rule for f in olga.failures] == ["property_role"]
    assert olga.failures[0].message == (
        "Olga Other is only a contact with the role “Other” on Oak Lodge: only its Primary "
        "or Billing contact sees its proposals, invoices and requests."
    )


def test_an_unpublished_invoice_is_seen_by_nobody(oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=None, emailed_at=None)

    rows = by_name(who_sees(invoice))

    assert not any(row.shown for row in rows.values())
    for row in rows.values():
        assert "published" in [f.rule for f in row.failures]
        assert any("neither printed nor emailed" in f.message for f in row.failures)
    # Every rule that fails is listed, not just the first.
    assert [f.rule for f in rows["Olga Other"].failures] == ["property_role", "published"]


def test_a_deactivated_account_does_not_see_it(oak_lodge):
    paula = oak_lodge.roles.get(role="primary").contact
    paula.portal_account.is_active = False
    paula.portal_account.save()
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())

    row = by_name(who_sees(invoice))["Paula Prime"]

    assert row.shown  # by the rules, but she cannot sign in
    assert (row.verdict, row.answer) == (
        Verdict.FAIL,
        "Doesn't see it: their portal account is deactivated.",
    )


def test_a_contact_without_an_email_would_see_it_but_cannot_be_invited(oak_lodge):
    bill = oak_lodge.roles.get(role="billing").contact
    bill.email = ""
    bill.save()
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())

    row = by_name(who_sees(invoice))["Bill Payne"]

    assert row.answer == (
        "Would see it, but has no email to be invited with, so no portal account."
    )


def test_a_contact_with_several_roles_has_one_row(oak_lodge):
    paula = oak_lodge.roles.get(role="primary").contact
    PropertyContactFactory(property=oak_lodge, contact=paula, role="other")
    invoice = InvoiceFactory(property=oak_lodge, emailed_at=timezone.now())

    rows = [row for row in who_sees(invoice) if row.contact == paula]

    assert len(rows) == 1
    assert sorted(rows[0].roles) == ["Other", "Primary"]
    assert rows[0].shown


def test_an_issue_without_include_client_is_seen_by_nobody(oak_lodge):
    issue = IssueFactory(property=oak_lodge, subject="Dead hedge", include_client=False)

    rows = by_name(who_sees(issue))

    assert not any(row.shown for row in rows.values())
    assert [f.message for f in rows["Paula Prime"].failures] == [
        "The request “Dead hedge” does not have Include Client checked."
    ]


def test_an_issue_with_include_client_is_seen_by_the_primary_contact(oak_lodge):
    issue = IssueFactory(property=oak_lodge, include_client=True)

    assert by_name(who_sees(issue))["Paula Prime"].shown


def test_a_proposal_is_seen_by_nobody_when_the_proposals_section_is_off(oak_lodge):
    company = Company.load()
    company.proposals_enabled = False
    company.save()
    proposal = ProposalFactory(property=oak_lodge, printed_at=timezone.now())

    rows = by_name(who_sees(proposal))

    assert not any(row.shown for row in rows.values())
    assert [f.message for f in rows["Paula Prime"].failures] == [
        "The company has switched the Proposals section of the portal off."
    ]


def test_a_published_proposal_is_seen_when_the_section_is_on(oak_lodge):
    proposal = ProposalFactory(property=oak_lodge, printed_at=timezone.now())

    assert by_name(who_sees(proposal))["Paula Prime"].shown


def page(document):
    """The document's office page: office:invoice, office:proposal, office:request."""
    kind = "request" if document._meta.model_name == "issue" else document._meta.model_name
    return reverse(f"office:{kind}", kwargs={f"{kind}_id": document.pk})


def panel(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="who-sees-this-heading"' in html
    return html[html.index('id="who-sees-this-heading"') :]


def troubleshoot(contact):
    return reverse("office:contact-troubleshoot", kwargs={"contact_id": contact.pk})


def test_the_invoice_page_shows_who_sees_it(office, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())

    html = panel(office.get(page(invoice)))

    assert "Who sees this in the portal" in html
    assert "Paula Prime" in html
    assert "Bill Payne" in html
    assert "Will see it once they accept an invitation: no portal account yet." in html
    assert "Sees it." in html
    assert "Doesn&#x27;t see it." in html
    assert "No account" not in html  # one answer per contact, no second column
    assert html.count('data-verdict="pass"') == 1
    assert html.count('data-verdict="info"') == 1
    assert html.count('data-verdict="fail"') == 1
    assert "Olga Other is only a contact with the role “Other” on Oak Lodge" in html


def test_the_proposal_page_shows_who_sees_it(office, oak_lodge):
    proposal = ProposalFactory(property=oak_lodge)

    html = panel(office.get(page(proposal)))

    assert "Proposal " in html
    assert "has been neither printed nor emailed" in html


def test_the_request_page_shows_who_sees_it(office, oak_lodge):
    issue = IssueFactory(property=oak_lodge, subject="Dead hedge", include_client=False)

    html = panel(office.get(page(issue)))

    paula = oak_lodge.roles.get(role="primary").contact
    contact_page = reverse("office:contact", kwargs={"contact_id": paula.pk})
    assert f'<a href="{contact_page}">Paula Prime</a>' in html
    assert "The request “Dead hedge” does not have Include Client checked." in html


def test_a_property_with_no_contacts_says_so(office):
    issue = IssueFactory()

    html = panel(office.get(page(issue)))

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
    "make",
    [
        lambda prop: InvoiceFactory(property=prop),
        lambda prop: ProposalFactory(property=prop),
        lambda prop: IssueFactory(property=prop),
    ],
    ids=["invoice", "proposal", "request"],
)
def test_the_page_costs_the_same_queries_however_many_contacts(office, make):
    few, many = make(property_with_contacts(5)), make(property_with_contacts(20))
    queries_for(office, page(few))  # warm up: sessions, content types

    assert len(who_sees(many)) == 20
    assert queries_for(office, page(few)) == queries_for(office, page(many))


def test_each_contact_links_to_its_troubleshoot_page_with_this_document_chosen(office, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, printed_at=timezone.now())
    paula = oak_lodge.roles.get(role="primary").contact

    html = panel(office.get(page(invoice)))

    chosen = f"{troubleshoot(paula)}?document=invoice:{invoice.pk}"
    assert f'href="{chosen}">Troubleshoot</a>' in html
    assert html.count(">Troubleshoot</a>") == 3
    check = office.get(chosen).context["document_check"]
    assert check.document == invoice
    assert check.passed


def test_the_request_panel_links_to_the_troubleshoot_page_with_the_request_chosen(
    office, oak_lodge
):
    issue = IssueFactory(property=oak_lodge)
    olga = oak_lodge.roles.get(role="other").contact

    html = panel(office.get(page(issue)))

    assert f'href="{troubleshoot(olga)}?document=request:{issue.pk}"' in html
