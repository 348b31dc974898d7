"""The status rule, by example (DESIGN.md, "Who sees what"): the portal shows
Sent, Approved and Declined proposals and Open, Partially paid and Paid
invoices, never a draft (whatever its flags), a withdrawn proposal or a void
invoice; and the troubleshooter and "Who sees this" say so in the same words.

The property tests (test_visibility_rules.py, test_doctor_agrees_with_portal.py)
hold the rule to an oracle on random worlds; these are the cases support asks about.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from trellis.billing.models import Invoice, Payment
from trellis.customers.models import PropertyContact
from trellis.doctor.who_sees import who_sees
from trellis.office.pages import page_of
from trellis.office.why_visible import troubleshoot_url
from trellis.proposals.models import Proposal
from trellis.testing.documents import invoices
from trellis.testing.factories import (
    InvoiceFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

Status = Proposal.Status


@pytest.fixture
def oak_lodge(alice):
    """Oak Lodge, where Alice is the Primary and the Billing contact."""
    prop = PropertyFactory(name="Oak Lodge")
    for role in (PropertyContact.Role.PRIMARY, PropertyContact.Role.BILLING):
        PropertyContactFactory(property=prop, contact=alice.contact, role=role)
    return prop


@pytest.fixture
def portal(client, alice):
    """Alice's browser, signed in to the portal."""
    client.force_login(alice)
    return client


@pytest.fixture
def office(staff):
    """Jane's browser, signed in to the back office: a browser of its own."""
    browser = Client()
    browser.force_login(staff)
    return browser


def decision(proposal):
    proposal.refresh_from_db()
    chosen = set(proposal.items.filter(chosen=True).values_list("pk", flat=True))
    return (
        proposal.status,
        proposal.decided_at,
        proposal.decided_by,
        proposal.decline_reason,
        chosen,
    )


def approve_and_decline(portal, proposal):
    optional = proposal.items.filter(optional=True).values_list("pk", flat=True)
    approval = {
        "chosen": list(optional),
        "signer_name": "Alice Arnold",
        "accept": "on",
        "expected_total": str(proposal.total),
    }
    return [
        portal.post(f"/proposals/{proposal.pk}/approve/", approval),
        portal.post(f"/proposals/{proposal.pk}/decline/", {"reason": "Too dear."}),
    ]


def listed(portal, page, tabs):
    numbers = set()
    for tab in tabs:
        response = portal.get(page, {"status": tab})
        assert response.status_code == 200
        numbers |= {document.number for document in response.context["page"].object_list}
    return numbers


def listed_proposals(portal):
    return listed(portal, "/proposals/", ["pending", "approved", "declined"])


def listed_invoices(portal):
    return listed(portal, "/invoices/", ["due", "paid"])


# --- the portal -----------------------------------------------------------------


def test_a_printed_draft_proposal_answers_404_everywhere_and_cannot_be_decided(portal, oak_lodge):
    proposal = ProposalFactory(
        property=oak_lodge, number="PR-5004", status=Status.DRAFT, printed_at=timezone.now()
    )
    before = decision(proposal)

    assert portal.get(f"/proposals/{proposal.pk}/").status_code == 404
    assert portal.get(f"/proposals/{proposal.pk}/pdf/").status_code == 404
    assert [r.status_code for r in approve_and_decline(portal, proposal)] == [404, 404]
    assert decision(proposal) == before
    assert "PR-5004" not in listed_proposals(portal)


def test_a_withdrawn_proposal_answers_404_everywhere(portal, oak_lodge):
    proposal = ProposalFactory(
        property=oak_lodge, number="PR-5009", status=Status.WITHDRAWN, emailed_at=timezone.now()
    )
    before = decision(proposal)

    assert portal.get(f"/proposals/{proposal.pk}/").status_code == 404
    assert portal.get(f"/proposals/{proposal.pk}/pdf/").status_code == 404
    assert [r.status_code for r in approve_and_decline(portal, proposal)] == [404, 404]
    assert decision(proposal) == before
    assert "PR-5009" not in listed_proposals(portal)


def test_an_emailed_void_invoice_answers_404_on_its_page_pdf_and_pay_screen(portal, oak_lodge):
    invoice = InvoiceFactory(
        property=oak_lodge,
        number="INV-24024",
        status=Invoice.Status.VOID,
        emailed_at=timezone.now(),
    )

    for suffix in ["", "pdf/", "pay/"]:
        assert portal.get(f"/invoices/{invoice.pk}/{suffix}").status_code == 404, suffix
    pay = portal.post(f"/invoices/{invoice.pk}/pay/", {"amount": "100.00", "confirm": "1"})
    assert pay.status_code == 404
    assert not Payment.objects.exists()
    assert "INV-24024" not in listed_invoices(portal)


def test_a_printed_draft_invoice_answers_404_and_is_in_no_total(portal, oak_lodge):
    invoice = InvoiceFactory(
        property=oak_lodge,
        number="INV-24025",
        status=Invoice.Status.DRAFT,
        printed_at=timezone.now(),
    )

    assert portal.get(f"/invoices/{invoice.pk}/").status_code == 404
    assert portal.get(f"/invoices/{invoice.pk}/pdf/").status_code == 404
    assert "INV-24025" not in listed_invoices(portal)
    assert portal.get("/").context["balance"] == 0


@pytest.mark.parametrize("status", [Status.SENT, Status.APPROVED, Status.DECLINED])
def test_a_sent_approved_or_declined_proposal_opens_and_is_listed(portal, oak_lodge, status):
    decided = timezone.now() if status != Status.SENT else None
    proposal = ProposalFactory(
        property=oak_lodge, status=status, decided_at=decided, printed_at=timezone.now()
    )

    assert portal.get(f"/proposals/{proposal.pk}/").status_code == 200
    assert proposal.number in listed_proposals(portal)


@pytest.mark.parametrize(
    "status", [Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID]
)
def test_an_open_partly_paid_or_paid_invoice_opens_and_is_listed(portal, oak_lodge, status):
    [invoice] = invoices(oak_lodge, 1, status=status)

    assert portal.get(f"/invoices/{invoice.pk}/").status_code == 200
    assert invoice.number in listed_invoices(portal)


# --- the office -----------------------------------------------------------------


def button_url(document, action):
    kind = "invoice" if isinstance(document, Invoice) else "proposal"
    return reverse(f"office:{kind}-{action}", kwargs={f"{kind}_id": document.pk})


def reasons_of(office, contact, document):
    response = office.get(troubleshoot_url(contact, document))
    assert response.status_code == 200
    return response, {r.failure.rule: r for r in response.context["document_check"].reasons}


def test_the_troubleshooter_names_the_status_of_a_printed_draft_and_leads_to_its_page(
    office, alice, oak_lodge
):
    proposal = ProposalFactory(
        property=oak_lodge, number="PR-5004", status=Status.DRAFT, printed_at=timezone.now()
    )

    response, reasons = reasons_of(office, alice.contact, proposal)

    assert list(reasons) == ["status_shown"]
    assert reasons["status_shown"].failure.message == (
        "Proposal PR-5004 is a draft, and drafts never appear in the portal."
    )
    assert [(f.label, f.url, f.method) for f in reasons["status_shown"].fixes] == [
        ("Open Proposal PR-5004 to send it", page_of(proposal), "get")
    ]
    assert (
        "Can Alice Arnold see Proposal PR-5004 in the portal? No: Proposal PR-5004 is a draft"
        in (response.text)
    )
    assert 'data-rule="status_shown"' in response.text
    assert button_url(proposal, "print") not in response.text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda prop: ProposalFactory(property=prop, number="PR-5009", status=Status.WITHDRAWN),
            "Proposal PR-5009 was withdrawn, and withdrawn proposals are not shown in the portal.",
        ),
        (
            lambda prop: InvoiceFactory(
                property=prop, number="INV-24024", status=Invoice.Status.VOID
            ),
            "Invoice INV-24024 is void, and void invoices are not shown in the portal.",
        ),
        (
            lambda prop: ProposalFactory(property=prop, number="PR-5004", status=Status.DRAFT),
            "Proposal PR-5004 is a draft, and drafts never appear in the portal.",
        ),
        (
            lambda prop: InvoiceFactory(
                property=prop, number="INV-24025", status=Invoice.Status.DRAFT
            ),
            "Invoice INV-24025 is a draft, and drafts never appear in the portal.",
        ),
    ],
    ids=["withdrawn proposal", "void invoice", "draft proposal", "draft invoice"],
)
def test_an_unpublished_document_the_status_keeps_out_gets_no_print_or_email_button(
    office, alice, oak_lodge, make, message
):
    document = make(oak_lodge)

    response, reasons = reasons_of(office, alice.contact, document)

    assert set(reasons) == {"published", "status_shown"}
    assert reasons["status_shown"].failure.message == message
    assert reasons["published"].fixes == []
    # The only way offered is to the document's page, where its status changes;
    # a void invoice has none: it stays void.
    expected = [] if document.status == "void" else [page_of(document)]
    assert [fix.url for fix in reasons["status_shown"].fixes] == expected
    assert reasons["published"].notes  # says why there is no button
    for action in ("print", "email"):
        assert f'action="{button_url(document, action)}"' not in response.text


def test_who_sees_this_says_nobody_sees_a_printed_draft(office, alice, oak_lodge):
    proposal = ProposalFactory(
        property=oak_lodge, number="PR-5004", status=Status.DRAFT, printed_at=timezone.now()
    )

    (row,) = who_sees(proposal)
    response = office.get(page_of(proposal))

    assert not row.shown
    assert [f.rule for f in row.failures] == ["status_shown"]
    html = response.text[response.text.index('id="who-sees-this"') :]
    assert "Doesn&#x27;t see it." in html
    assert "Sees it" not in html
    assert "Proposal PR-5004 is a draft, and drafts never appear in the portal." in html
