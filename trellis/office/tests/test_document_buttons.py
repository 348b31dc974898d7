"""The buttons on the office's proposal and invoice pages: each calls its
service and comes back to the page saying what happened, or why not."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.proposals.models import Proposal
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    OfflinePaymentFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ProposalStatus = Proposal.Status
InvoiceStatus = Invoice.Status


def url(document, action="", *args):
    kind = "invoice" if isinstance(document, Invoice) else "proposal"
    name = f"office:{kind}-{action}" if action else f"office:{kind}"
    return reverse(name, args=[document.pk, *args])


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def oak():
    return PropertyFactory(name="Oak Street")


@pytest.fixture
def maria(oak):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    PropertyContactFactory(property=oak, contact=maria, role=PropertyContact.Role.PRIMARY)
    PropertyContactFactory(property=oak, contact=maria, role=PropertyContact.Role.BILLING)
    return maria


@pytest.fixture
def proposal(oak, maria):
    return ProposalFactory(
        number="PR-5001",
        property=oak,
        items=[
            {"description": "Clean-up", "unit_price": Decimal("250.00")},
            {"description": "Mulch", "unit_price": Decimal("40.00"), "optional": True},
        ],
    )


@pytest.fixture
def invoice(oak, maria):
    return InvoiceFactory(number="INV-1001", property=oak)


def in_status(document, status):
    type(document).objects.filter(pk=document.pk).update(status=status)
    document.refresh_from_db()
    return document


def paid(invoice, amount="40.00"):
    return OfflinePaymentFactory(invoice=invoice, amount=Decimal(amount), send_receipt=False)


# --- who may press them -------------------------------------------------------

BUTTONS = [
    ("proposal", "send"),
    ("proposal", "withdraw"),
    ("proposal", "reopen"),
    ("proposal", "record-decision"),
    ("proposal", "print"),
    ("proposal", "email"),
    ("invoice", "issue"),
    ("invoice", "void"),
    ("invoice", "record-payment"),
    ("invoice", "print"),
    ("invoice", "email"),
]


@pytest.mark.parametrize(("kind", "action"), BUTTONS)
def test_staff_who_may_only_view_the_document_cannot_press_its_buttons(
    client, proposal, invoice, kind, action
):
    viewer = StaffFactory()
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_proposal", "view_invoice"])
    )
    client.force_login(viewer)
    document = invoice if kind == "invoice" else proposal

    response = client.post(url(document, action), {"reason": "Because."})

    assert response.status_code == 403
    document.refresh_from_db()
    assert not document.is_published
    assert not AuditEntry.objects.filter(actor=viewer).exists()


@pytest.mark.parametrize(("kind", "action"), BUTTONS)
def test_the_buttons_answer_no_get(office, proposal, invoice, kind, action):
    document = invoice if kind == "invoice" else proposal

    assert office.get(url(document, action)).status_code == 405


def test_reversing_a_payment_needs_the_change_permission(client, invoice):
    payment = paid(invoice)
    viewer = StaffFactory()
    viewer.user_permissions.set(Permission.objects.filter(codename="view_invoice"))
    client.force_login(viewer)

    response = client.post(url(invoice, "reverse-payment", payment.pk), {"reason": "Bounced"})

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


# --- proposals ----------------------------------------------------------------


def test_sending_a_draft_makes_it_sent_and_comes_back_to_its_page(office, staff, proposal):
    in_status(proposal, ProposalStatus.DRAFT)

    response = office.post(url(proposal, "send"))

    assert (response.status_code, response.url) == (302, url(proposal))
    assert said(response) == ["Proposal PR-5001 is sent: it waits for the customer's decision."]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SENT
    assert AuditEntry.objects.get(action="proposal.sent").actor == staff


def test_sending_a_proposal_already_sent_is_refused_in_words(office, proposal):
    response = office.post(url(proposal, "send"))

    assert response.url == url(proposal)
    assert said(response) == ["Proposal PR-5001 is sent, so it can't be sent."]
    assert not AuditEntry.objects.filter(action="proposal.sent").exists()
    page = office.get(response.url)
    assert page.status_code == 200


def test_withdrawing_records_why_and_without_a_reason_is_refused(office, proposal):
    refused = office.post(url(proposal, "withdraw"), {"reason": " "})
    assert said(refused) == ["Say why the proposal is withdrawn."]
    office.get(refused.url)  # the page, with the message

    done = office.post(url(proposal, "withdraw"), {"reason": "The customer moved."})

    assert said(done) == ["Proposal PR-5001 is withdrawn: the portal no longer shows it."]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert AuditEntry.objects.get(action="proposal.withdrawn").data["reason"] == (
        "The customer moved."
    )


def test_reopening_a_declined_proposal_sends_it_again(office, proposal):
    in_status(proposal, ProposalStatus.DECLINED)

    response = office.post(url(proposal, "reopen"), {"reason": "They changed their mind."})

    assert said(response) == [
        "Proposal PR-5001 is reopened: it is sent again, for the customer's decision."
    ]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SENT


def test_an_approved_proposal_is_never_reopened(office, proposal):
    in_status(proposal, ProposalStatus.APPROVED)

    response = office.post(url(proposal, "reopen"), {"reason": "A change."})

    assert said(response) == [
        "Proposal PR-5001 was approved: an approval is never reopened. "
        "Write a new proposal for the change instead."
    ]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def decision(proposal, maria, **changes):
    mulch = proposal.items.get(optional=True)
    return {
        "decision": "approved",
        "via": "phone",
        "contact": maria.pk,
        "decided_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "signer_name": "Maria Lopez",
        "chosen_items": [mulch.pk],
        "reason": "",
        **changes,
    }


def test_recording_an_approval_by_phone_keeps_the_chosen_items(office, staff, proposal, maria):
    response = office.post(url(proposal, "record-decision"), decision(proposal, maria))

    assert (response.status_code, response.url) == (302, url(proposal))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert (proposal.decided_by, proposal.decision_recorded_by) == (maria, staff)
    assert proposal.total == Decimal("290.00")
    (message,) = said(response)
    assert message.startswith("Proposal PR-5001: Approved by phone by Maria Lopez on ")


def test_a_decision_form_with_a_mistake_comes_back_as_typed(office, proposal, maria):
    response = office.post(
        url(proposal, "record-decision"),
        decision(proposal, maria, decision="", signer_name="Maria L."),
    )

    assert response.status_code == 200
    form = response.context["status_panel"].buttons[0].form
    assert form.is_bound and "decision" in form.errors
    assert 'value="Maria L."' in response.text
    assert "<details open>" in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SENT


def test_a_decline_without_a_reason_is_refused_on_the_page_with_the_form_kept(
    office, proposal, maria
):
    response = office.post(
        url(proposal, "record-decision"), decision(proposal, maria, decision="declined")
    )

    assert response.status_code == 200
    assert "Say why the customer declined." in response.text
    assert response.context["status_panel"].buttons[0].form.is_bound
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SENT


def test_printing_a_proposal_answers_its_pdf_and_publishes_it(office, greenway, proposal):
    response = office.post(url(proposal, "print"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Proposal PR-5001.pdf" in response["Content-Disposition"]
    proposal.refresh_from_db()
    assert proposal.printed_at is not None


def test_a_withdrawn_proposal_is_not_printed_and_the_page_says_why(office, proposal):
    in_status(proposal, ProposalStatus.WITHDRAWN)

    response = office.post(url(proposal, "print"))

    assert response.url == url(proposal)
    assert said(response) == ["Proposal PR-5001 was withdrawn: it is not sent to the customer."]
    proposal.refresh_from_db()
    assert proposal.printed_at is None


def test_emailing_a_proposal_queues_it_for_its_primary_contact(office, greenway, proposal):
    response = office.post(url(proposal, "email"))

    assert said(response) == ["Emailed Proposal PR-5001 to Maria Lopez (maria@example.com)."]
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.DOCUMENT)
    assert email.to_address == "maria@example.com"
    proposal.refresh_from_db()
    assert proposal.emailed_at is not None


def test_emailing_without_a_primary_contact_is_refused_in_words(office, greenway):
    proposal = ProposalFactory(number="PR-6001", property=PropertyFactory(name="Elm Road"))

    response = office.post(url(proposal, "email"))

    assert said(response) == [
        "Elm Road has no Primary contact to email Proposal PR-6001 to: "
        "add one on the property's page."
    ]
    assert not OutgoingEmail.objects.exists()


def test_a_button_goes_back_to_the_next_page_it_names_on_this_site_only(office, proposal):
    troubleshoot = reverse("office:contact-troubleshoot", kwargs={"contact_id": 1})

    inside = office.post(url(proposal, "email"), {"next": troubleshoot})
    outside = office.post(url(proposal, "email"), {"next": "https://evil.example/"})

    assert inside.url == troubleshoot
    assert outside.url == url(proposal)


# --- invoices -----------------------------------------------------------------


def test_issuing_a_draft_invoice_makes_it_open(office, invoice):
    in_status(invoice, InvoiceStatus.DRAFT)

    response = office.post(url(invoice, "issue"))

    assert (response.status_code, response.url) == (302, url(invoice))
    assert said(response) == [
        "Invoice INV-1001 is issued: it is open, and can be printed, emailed and paid."
    ]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_issuing_an_open_invoice_is_refused_in_words(office, invoice):
    response = office.post(url(invoice, "issue"))

    assert said(response) == ["Invoice INV-1001 is already issued: it is not a draft."]


def test_voiding_records_why_and_a_paid_invoice_is_not_voided(office, invoice):
    other = InvoiceFactory(number="INV-1002", property=invoice.property)
    paid(other)

    done = office.post(url(invoice, "void"), {"reason": "Wrong property."})
    assert said(done) == ["Invoice INV-1001 is void: nothing is owed on it."]
    office.get(done.url)  # the page, with the message

    refused = office.post(url(other, "void"), {"reason": "Wrong property."})

    assert said(refused) == [
        "Invoice INV-1002 can't be voided while payments of 40.00 stand on it: "
        "reverse or refund them first."
    ]
    invoice.refresh_from_db()
    other.refresh_from_db()
    assert (invoice.status, other.status) == (InvoiceStatus.VOID, InvoiceStatus.PARTIALLY_PAID)


def payment_form(**changes):
    return {
        "amount": "60.00",
        "means": "cheque",
        "received_on": timezone.localdate().isoformat(),
        "reference": "1234",
        **changes,
    }


def test_recording_a_payment_lowers_the_balance_the_payments_leave(office, staff, invoice):
    response = office.post(url(invoice, "record-payment"), payment_form())

    assert (response.status_code, response.url) == (302, url(invoice))
    assert said(response) == [
        "Recorded a payment of 60.00 (Cheque) on Invoice INV-1001: 40.00 is still owed."
    ]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (InvoiceStatus.PARTIALLY_PAID, Decimal("40.00"))
    payment = invoice.payments.get()
    assert (payment.source, payment.recorded_by) == (Payment.Source.OFFLINE, staff)
    page = office.get(url(invoice))
    assert "<strong>40.00</strong>" in page.text.split('id="invoice-balance"')[1][:40]


def test_a_payment_form_with_a_mistake_comes_back_as_typed(office, invoice):
    response = office.post(url(invoice, "record-payment"), payment_form(amount="", reference="77"))

    assert response.status_code == 200
    (record,) = [b for b in response.context["status_panel"].buttons if b.form]
    assert "amount" in record.form.errors
    assert 'value="77"' in response.text
    assert not invoice.payments.exists()


def test_a_payment_of_more_than_the_balance_is_refused_with_the_form_kept(office, invoice):
    response = office.post(url(invoice, "record-payment"), payment_form(amount="500.00"))

    assert response.status_code == 200
    assert response.context["messages"]
    (message,) = [str(m) for m in response.context["messages"]]
    assert "100.00" in message
    assert 'value="500.00"' in response.text
    assert not invoice.payments.exists()


def test_a_paid_invoice_offers_no_payment_and_refuses_one(office, invoice):
    paid(invoice, "100.00")

    response = office.post(url(invoice, "record-payment"), payment_form(amount="1.00"))

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.payments.count() == 1
    assert invoice.status == InvoiceStatus.PAID


def test_reversing_a_payment_puts_its_amount_back_on_the_balance(office, staff, invoice):
    payment = paid(invoice, "40.00")

    response = office.post(
        url(invoice, "reverse-payment", payment.pk), {"reason": "The cheque bounced."}
    )

    assert (response.status_code, response.url) == (302, url(invoice))
    assert said(response) == [
        "The payment of 40.00 on Invoice INV-1001 is reversed: 100.00 is owed on it."
    ]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (InvoiceStatus.OPEN, Decimal("100.00"))
    payment.refresh_from_db()
    assert (payment.status, payment.reversed_by) == (Payment.Status.REVERSED, staff)


def test_reversing_without_a_reason_or_twice_is_refused(office, invoice):
    payment = paid(invoice, "40.00")

    without = office.post(url(invoice, "reverse-payment", payment.pk), {"reason": ""})
    (refusal,) = said(without)
    office.get(without.url)
    office.get(office.post(url(invoice, "reverse-payment", payment.pk), {"reason": "Bounced."}).url)

    twice = office.post(url(invoice, "reverse-payment", payment.pk), {"reason": "Bounced."})

    assert (refusal, *said(twice)) == (
        "Say why the payment is reversed.",
        "This payment is already reversed.",
    )
    assert AuditEntry.objects.filter(action="payment.reversed").count() == 1


def test_a_payment_of_another_invoice_is_not_found(office, invoice):
    other = paid(InvoiceFactory())

    response = office.post(url(invoice, "reverse-payment", other.pk), {"reason": "Bounced."})

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Payment.Status.SUCCEEDED


def test_printing_an_invoice_answers_its_pdf(office, greenway, invoice):
    response = office.post(url(invoice, "print"))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.printed_at is not None


def test_a_draft_invoice_is_not_printed_and_the_page_says_why(office, invoice):
    in_status(invoice, InvoiceStatus.DRAFT)

    response = office.post(url(invoice, "print"))

    assert said(response) == [
        "Invoice INV-1001 is a draft: issue the invoice first "
        "(the Issue invoice button on its page)."
    ]
    page = office.get(url(invoice))
    assert "Cannot be printed or emailed" in page.text


def test_emailing_an_invoice_queues_it_for_its_billing_contact(office, greenway, invoice):
    response = office.post(url(invoice, "email"))

    assert said(response) == ["Emailed Invoice INV-1001 to Maria Lopez (maria@example.com)."]
    assert (
        OutgoingEmail.objects.filter(
            kind=OutgoingEmail.Kind.DOCUMENT, to_address="maria@example.com"
        ).count()
        == 1
    )
