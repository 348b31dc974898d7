import datetime as dt

import pytest
import time_machine
from django.core import mail

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.documents.services import PublishRefused, document_email
from trellis.documents.tests.pdfs import pdf_text
from trellis.mail.models import OutgoingEmail
from trellis.proposals.models import Proposal
from trellis.testing.mail import link_in
from trellis.visibility import visible_invoices, visible_proposals

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://portal.greenway.example"


def test_an_invoice_is_emailed_to_the_billing_contact_with_its_pdf(invoice, bill, paula, staff):
    email = document_email(document=invoice, actor=staff)

    assert email.kind == OutgoingEmail.Kind.DOCUMENT
    assert email.to_address == "bill@example.com"
    assert email.contact == bill
    assert email.from_address == "Greenway Landscaping <portal@greenway.example>"
    assert email.subject == "Invoice INV-1001 from Greenway Landscaping"
    assert email.body_text.startswith("Hello Bill,")
    assert "The balance due is USD 290.85, due by April 1, 2026." in email.body_text
    assert link_in(email) == f"https://portal.greenway.example/invoices/{invoice.pk}/"
    assert link_in(email) in email.body_html
    [attachment] = email.attachments.all()
    assert (attachment.filename, attachment.content_type) == (
        "Invoice INV-1001.pdf",
        "application/pdf",
    )
    assert "Balance due USD 290.85" in pdf_text(bytes(attachment.content))


def test_emailing_an_invoice_publishes_it_and_is_audited(invoice, bill, staff):
    email = document_email(document=invoice, actor=staff)

    invoice.refresh_from_db()
    assert invoice.emailed_at is not None
    assert invoice.printed_at is None
    assert list(visible_invoices(contact=bill, company=Company.load())) == [invoice]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_repr) == (
        "invoice.emailed",
        staff,
        "Invoice INV-1001",
    )
    assert entry.data == {"to": "bill@example.com", "contact": bill.pk, "email": email.pk}


def test_a_proposal_is_emailed_to_the_primary_contact_and_becomes_sent(
    proposal, paula, bill, staff
):
    email = document_email(document=proposal, actor=staff)

    assert email.to_address == "paula@example.com"
    assert email.contact == paula
    assert email.subject == "Proposal PR-2001 from Greenway Landscaping: Spring planting"
    assert "It comes to USD 450.00. It is valid until April 30, 2026." in email.body_text
    assert link_in(email) == f"https://portal.greenway.example/proposals/{proposal.pk}/"
    [attachment] = email.attachments.all()
    assert attachment.filename == "Proposal PR-2001.pdf"
    assert "Garden lighting Optional Not chosen" in pdf_text(bytes(attachment.content))
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    assert proposal.emailed_at is not None
    assert list(visible_proposals(contact=paula, company=Company.load())) == [proposal]
    assert AuditEntry.objects.get().action == "proposal.emailed"


def test_emailing_again_sends_again_and_keeps_the_first_email_time(invoice, bill, staff):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        document_email(document=invoice, actor=staff)
    with time_machine.travel("2026-03-09 09:00Z", tick=False):
        document_email(document=invoice, actor=staff)

    invoice.refresh_from_db()
    assert invoice.emailed_at == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert OutgoingEmail.objects.filter(to_address="bill@example.com").count() == 2
    assert AuditEntry.objects.filter(action="invoice.emailed").count() == 2


def test_the_delivered_email_carries_the_pdf(
    invoice, bill, staff, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        document_email(document=invoice, actor=staff)

    [message] = mail.outbox
    assert message.to == ["bill@example.com"]
    [(filename, content, content_type)] = message.attachments
    assert (filename, content_type) == ("Invoice INV-1001.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")


def test_the_email_is_in_the_contacts_language(invoice, bill, staff):
    bill.language = "es"
    bill.save()

    email = document_email(document=invoice, actor=staff)

    assert email.body_text.startswith("Hola, Bill:")
    assert "2 de marzo de 2026" in email.body_text


def test_names_in_the_plain_text_email_are_not_html_escaped(company, invoice, bill, staff):
    company.name = "O'Brien & Sons"
    company.save()

    email = document_email(document=invoice, actor=staff)

    assert email.subject == "Invoice INV-1001 from O'Brien & Sons"
    assert "O'Brien & Sons has sent you invoice INV-1001" in email.body_text
    assert "O&#x27;Brien &amp; Sons" in email.body_html


def refused(document, staff, message):
    with pytest.raises(PublishRefused, match=message):
        document_email(document=document, actor=staff)
    document.refresh_from_db()
    assert document.emailed_at is None
    assert not OutgoingEmail.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_invoice_is_not_emailed_to_a_property_without_a_billing_contact(invoice, paula, staff):
    refused(
        invoice,
        staff,
        "Oak Street Residence has no Billing contact to email Invoice INV-1001 to: "
        "add one on the property's page.",
    )


def test_a_proposal_is_not_emailed_to_a_property_without_a_primary_contact(proposal, bill, staff):
    refused(proposal, staff, "Oak Street Residence has no Primary contact to email Proposal")
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DRAFT


def test_a_document_is_not_emailed_to_a_contact_without_an_email_address(invoice, bill, staff):
    bill.email = ""
    bill.save()

    refused(
        invoice,
        staff,
        "Bill Payne, the Billing contact of Oak Street Residence, has no email address "
        "to send Invoice INV-1001 to: add one to the contact.",
    )


def test_another_role_does_not_make_a_contact_the_recipient(invoice, oak_street, paula, staff):
    PropertyContact.objects.create(
        property=oak_street, contact=paula, role=PropertyContact.Role.OTHER
    )

    refused(invoice, staff, "has no Billing contact")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Invoice.Status.DRAFT, r"Invoice INV-1001 is a draft: issue the invoice first \(the Issue"),
        (Invoice.Status.VOID, "Invoice INV-1001 is void: it is not sent to the customer."),
    ],
)
def test_a_draft_or_void_invoice_is_not_emailed(invoice, bill, staff, status, message):
    Invoice.objects.filter(pk=invoice.pk).update(status=status)

    refused(invoice, staff, message)


def test_a_withdrawn_proposal_is_not_emailed(proposal, paula, staff):
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.WITHDRAWN)

    refused(proposal, staff, "Proposal PR-2001 was withdrawn")
