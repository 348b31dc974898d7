import datetime as dt

import pytest
import time_machine

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.documents.services import PublishRefused, document_print
from trellis.proposals.models import Proposal
from trellis.visibility import visible_invoices, visible_proposals

pytestmark = pytest.mark.django_db


def test_printing_an_invoice_returns_its_pdf_and_publishes_it_to_the_portal(invoice, bill, staff):
    assert not visible_invoices(contact=bill, company=Company.load()).exists()

    pdf = document_print(document=invoice, actor=staff)

    assert pdf.startswith(b"%PDF-")
    assert invoice.printed_at is not None
    assert Invoice.objects.get(pk=invoice.pk).printed_at == invoice.printed_at
    assert list(visible_invoices(contact=bill, company=Company.load())) == [invoice]


def test_printing_again_keeps_the_first_print_time_and_audits_every_print(invoice, staff):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        document_print(document=invoice, actor=staff)
    with time_machine.travel("2026-03-05 16:30Z", tick=False):
        pdf = document_print(document=invoice, actor=staff)

    assert pdf.startswith(b"%PDF-")
    invoice.refresh_from_db()
    assert invoice.printed_at == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    entries = AuditEntry.objects.filter(action="invoice.printed").order_by("created_at")
    assert [(e.actor, e.target_repr, e.data) for e in entries] == [
        (staff, "Invoice INV-1001", {"first_print": True}),
        (staff, "Invoice INV-1001", {"first_print": False}),
    ]


def test_printing_a_draft_proposal_publishes_it_as_sent(proposal, paula, staff):
    document_print(document=proposal, actor=staff)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    assert list(visible_proposals(contact=paula, company=Company.load())) == [proposal]
    assert AuditEntry.objects.get().action == "proposal.printed"


def test_printing_keeps_the_decision_on_an_approved_proposal(proposal, staff):
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.APPROVED)

    document_print(document=proposal, actor=staff)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert proposal.printed_at is not None


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Invoice.Status.DRAFT, "Invoice INV-1001 is a draft: issue the invoice first"),
        (Invoice.Status.VOID, "Invoice INV-1001 is void"),
    ],
)
def test_a_draft_or_void_invoice_is_not_printed(invoice, staff, status, message):
    Invoice.objects.filter(pk=invoice.pk).update(status=status)

    with pytest.raises(PublishRefused, match=message):
        document_print(document=invoice, actor=staff)

    invoice.refresh_from_db()
    assert invoice.printed_at is None
    assert not AuditEntry.objects.exists()


def test_a_withdrawn_proposal_is_not_printed(proposal, staff):
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.WITHDRAWN)

    with pytest.raises(PublishRefused, match="Proposal PR-2001 was withdrawn"):
        document_print(document=proposal, actor=staff)

    proposal.refresh_from_db()
    assert proposal.printed_at is None
