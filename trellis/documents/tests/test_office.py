"""Publishing from the office's invoice page: what its Customer portal panel
says and offers, and what Print answers. The buttons' messages are in
trellis/office/tests/test_document_buttons.py; who may press them, signed out
and without a CSRF token, in trellis/tests/test_permission_matrix.py and
test_security_checks_csrf.py."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from trellis.billing.models import Invoice
from trellis.mail.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def url(invoice, action=""):
    name = f"office:invoice-{action}" if action else "office:invoice"
    return reverse(name, kwargs={"invoice_id": invoice.pk})


def publishing(office, invoice):
    page = office.get(url(invoice)).text
    return page.split('id="document-publishing"')[1].split("</section>")[0]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_invoice_page_says_it_is_not_published_and_offers_print_and_email(
    office, invoice, bill
):
    panel = publishing(office, invoice)

    assert '<dd id="published-status"><span class="badge warn">No</span></dd>' in panel
    assert "<dd>Not printed</dd>" in panel and "<dd>Not emailed</dd>" in panel
    assert f'action="{url(invoice, "print")}"' in panel
    assert f'action="{url(invoice, "email")}"' in panel
    assert (
        "Emails the PDF to Bill Payne &lt;bill@example.com&gt;, the property's Billing contact"
        in panel
    )


def test_print_downloads_the_pdf_and_the_page_then_says_published(office, invoice):
    response = office.post(url(invoice, "print"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Invoice INV-1001.pdf"'
    assert response.content.startswith(b"%PDF-")
    invoice.refresh_from_db()
    assert invoice.printed_at is not None
    panel = publishing(office, invoice)
    assert '<dd id="published-status"><span class="badge ok">Yes</span></dd>' in panel
    assert "<dd>Not printed</dd>" not in panel and "<dd>Not emailed</dd>" in panel


def test_emailing_an_invoice_without_a_billing_contact_is_refused_in_words(office, invoice):
    response = office.post(url(invoice, "email"))

    assert (response.status_code, response.url) == (302, url(invoice))
    assert messages_of(response) == [
        "Oak Street Residence has no Billing contact to email Invoice INV-1001 to: "
        "add one on the property's page."
    ]
    assert not OutgoingEmail.objects.exists()


def test_the_page_says_why_a_document_cannot_be_emailed_and_still_offers_print(office, invoice):
    panel = publishing(office, invoice)

    assert "Cannot be emailed: Oak Street Residence has no Billing contact" in panel
    assert f'action="{url(invoice, "print")}"' in panel
    assert f'action="{url(invoice, "email")}"' not in panel


def test_a_draft_invoice_page_offers_neither_button_and_says_why(office, invoice, bill):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.DRAFT)

    panel = publishing(office, invoice)

    assert "Cannot be printed or emailed: Invoice INV-1001 is a draft" in panel
    assert f'action="{url(invoice, "print")}"' not in panel
    assert f'action="{url(invoice, "email")}"' not in panel
