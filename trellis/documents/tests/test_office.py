import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from trellis.billing.models import Invoice
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import InvoiceFactory, StaffFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


def url(document, action):
    opts = document._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=[document.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_invoice_page_says_it_is_not_published_and_offers_print_and_email(
    office, invoice, bill
):
    page = office.get(url(invoice, "change")).content.decode()

    assert "<strong>Published: no</strong> (not printed, not emailed)" in page
    assert 'form="document-print-form"' in page
    assert f'action="{url(invoice, "print")}"' in page
    assert 'form="document-email-form"' in page
    assert f'action="{url(invoice, "email")}"' in page
    assert (
        "Emails the PDF to Bill Payne &lt;bill@example.com&gt;, the property's Billing contact"
        in page
    )


def test_print_downloads_the_pdf_and_the_page_then_says_published(office, invoice):
    response = office.post(url(invoice, "print"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Invoice INV-1001.pdf"'
    assert response.content.startswith(b"%PDF-")
    invoice.refresh_from_db()
    assert invoice.printed_at is not None
    page = office.get(url(invoice, "change")).content.decode()
    assert "<strong>Published: yes</strong> (printed at " in page
    assert ", not emailed)" in page


def test_email_to_customer_sends_the_invoice_and_names_the_recipient(office, invoice, bill):
    response = office.post(url(invoice, "email"))

    assert response.status_code == 302
    assert response.url == url(invoice, "change")
    assert messages_of(response) == ["Emailed Invoice INV-1001 to Bill Payne (bill@example.com)."]
    assert OutgoingEmail.objects.get().to_address == "bill@example.com"


def test_email_to_customer_sends_a_proposal_to_the_primary_contact(office, proposal, paula, bill):
    response = office.post(url(proposal, "email"))

    assert messages_of(response) == ["Emailed Proposal PR-2001 to Paula Prime (paula@example.com)."]
    assert OutgoingEmail.objects.get().to_address == "paula@example.com"


def test_a_refused_email_shows_why(office, invoice):
    response = office.post(url(invoice, "email"))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Oak Street Residence has no Billing contact to email Invoice INV-1001 to: "
        "add one on the property's page."
    ]
    assert not OutgoingEmail.objects.exists()


def test_the_page_says_why_a_document_cannot_be_emailed_and_still_offers_print(office, invoice):
    page = office.get(url(invoice, "change")).content.decode()

    assert "Cannot be emailed: Oak Street Residence has no Billing contact" in page
    assert 'form="document-print-form"' in page
    assert 'form="document-email-form"' not in page


def test_a_draft_invoice_page_offers_neither_button_and_says_why(office, invoice, bill):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.DRAFT)

    page = office.get(url(invoice, "change")).content.decode()

    assert "Cannot be printed or emailed: Invoice INV-1001 is a draft" in page
    assert 'form="document-print-form"' not in page
    assert 'form="document-email-form"' not in page


def test_printing_a_draft_invoice_is_refused_with_a_message(office, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.DRAFT)

    response = office.post(url(invoice, "print"))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Invoice INV-1001 is a draft: issue the invoice first "
        "(the Issue invoice button on its page)."
    ]


@pytest.mark.parametrize("action", ["print", "email"])
def test_print_and_email_answer_only_post(office, invoice, bill, action):
    assert office.get(url(invoice, action)).status_code == 405
    invoice.refresh_from_db()
    assert not invoice.is_published


@pytest.mark.parametrize("action", ["print", "email"])
def test_anonymous_visitors_are_sent_to_the_office_login(client, invoice, bill, action):
    response = client.post(url(invoice, action))

    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")
    invoice.refresh_from_db()
    assert not invoice.is_published


@pytest.mark.parametrize("action", ["print", "email"])
def test_a_customer_is_sent_to_the_office_login(client, alice, invoice, bill, action):
    client.force_login(alice)

    response = client.post(url(invoice, action))

    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")
    invoice.refresh_from_db()
    assert not invoice.is_published


@pytest.mark.parametrize("action", ["print", "email"])
def test_staff_who_may_only_view_invoices_cannot_publish_them(client, invoice, bill, action):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(viewer)

    assert client.post(url(invoice, action)).status_code == 403
    page = client.get(url(invoice, "change")).content.decode()
    assert "Published: no</strong>" in page
    assert 'form="document-print-form"' not in page
    invoice.refresh_from_db()
    assert not invoice.is_published


@pytest.mark.parametrize("action", ["print", "email"])
def test_a_post_without_the_csrf_token_is_refused(staff, invoice, bill, action):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    assert browser.post(url(invoice, action)).status_code == 403
    invoice.refresh_from_db()
    assert not invoice.is_published


def test_print_of_an_unknown_document_is_not_found(office):
    assert office.post(reverse("admin:billing_invoice_print", args=[999999])).status_code == 404


def test_the_email_action_emails_several_and_reports_each_refusal(office, invoice, bill):
    second = InvoiceFactory(property=invoice.property, number="INV-1002")
    draft = InvoiceFactory(
        property=invoice.property, number="INV-1003", status=Invoice.Status.DRAFT
    )

    response = office.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "email_to_customer", "_selected_action": [invoice.pk, second.pk, draft.pk]},
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "Invoice INV-1003 is a draft: issue the invoice first "
        "(the Issue invoice button on its page). "
        f'<a href="{url(draft, "change")}">Open Invoice INV-1003</a>',
        "Emailed 2 invoices to the customer.",
    ]
    assert sorted(OutgoingEmail.objects.values_list("subject", flat=True)) == [
        "Invoice INV-1001 from Greenway Landscaping",
        "Invoice INV-1002 from Greenway Landscaping",
    ]
