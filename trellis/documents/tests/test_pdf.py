import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.documents.pdf import EmbeddedOnlyFetcher, document_html, document_pdf, money_text
from trellis.documents.tests.pdfs import pdf_reader, pdf_text
from trellis.testing.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def png(width=240, height=80, colour="#1f5f8b"):
    image = BytesIO()
    Image.new("RGB", (width, height), colour).save(image, "PNG")
    return image.getvalue()


def test_an_invoice_pdf_shows_its_number_property_lines_tax_and_balance(invoice, bill):
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=Decimal("100.00"), status=Invoice.Status.PARTIALLY_PAID
    )
    invoice.refresh_from_db()

    text = pdf_text(document_pdf(document=invoice))

    assert "Greenway Landscaping" in text
    assert "Invoice" in text
    assert "INV-1001" in text
    assert "Oak Street Residence" in text
    assert "12 Oak Street, Springfield, IL 62701" in text
    assert "Bill Payne" in text
    assert "Issued March 2, 2026" in text
    assert "Due date April 1, 2026" in text
    assert "Weekly mowing 4 USD 45.00 USD 180.00" in text
    assert "Mulch delivery No tax 2.5 USD 38.40 USD 96.00" in text
    assert "Subtotal USD 276.00" in text
    assert "Tax (8.25%) USD 14.85" in text
    assert "Total USD 290.85" in text
    assert "Amount paid USD 100.00" in text
    assert "Balance due USD 190.85" in text
    assert "Thank you for your business." in text


def test_a_proposal_pdf_marks_its_optional_items_and_whether_they_were_chosen(proposal, paula):
    text = pdf_text(document_pdf(document=proposal))

    assert "Proposal" in text
    assert "PR-2001" in text
    assert "Spring planting" in text
    assert "Oak Street Residence" in text
    assert "Paula Prime" in text
    assert "Valid until April 30, 2026" in text
    assert "Flower beds 1 USD 300.00 USD 300.00" in text
    assert "Drip irrigation Optional Chosen 1 USD 150.00 USD 150.00" in text
    assert "Garden lighting Optional Not chosen 1 USD 420.00 USD 420.00" in text
    assert "Flower beds Optional" not in text
    assert "Total USD 450.00" in text  # the required item and the chosen option
    assert "Work starts the week after approval." in text


def test_amounts_are_in_the_companys_currency(company, invoice):
    company.currency = "EUR"
    company.save()

    text = pdf_text(document_pdf(document=invoice))

    assert "Total EUR 290.85" in text
    assert "USD" not in text


def test_money_is_rounded_half_up_to_the_cent_with_thousands_separated():
    assert money_text(Decimal("1234.565"), "USD") == "USD 1,234.57"
    assert money_text(Decimal("-10"), "CAD") == "CAD -10.00"


def test_the_company_logo_is_embedded_when_set(company, invoice):
    assert len(pdf_reader(document_pdf(document=invoice)).pages[0].images) == 0
    company.logo.save("logo.png", ContentFile(png(240, 80)))

    [logo] = pdf_reader(document_pdf(document=invoice)).pages[0].images

    assert logo.image.size == (240, 80)


def test_a_logo_missing_from_storage_leaves_it_out_rather_than_failing(company, invoice, caplog):
    company.logo.save("logo.png", ContentFile(png()))
    company.logo.storage.delete(company.logo.name)

    pdf = document_pdf(document=invoice)

    assert len(pdf_reader(pdf).pages[0].images) == 0
    assert "INV-1001" in pdf_text(pdf)
    assert "could not be read" in caplog.text


def test_a_brand_colour_that_is_not_a_colour_never_reaches_the_stylesheet(company, invoice):
    Company.objects.filter(pk=company.pk).update(brand_colour="red;}*{")  # as an import might

    html = document_html(document=invoice)

    assert "red;}" not in html
    assert "background: #2f6b3a" in html
    assert "INV-1001" in pdf_text(document_pdf(document=invoice))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/logo.png", "file:///etc/passwd", "ftp://example.com/x.png"]
)
def test_rendering_fetches_nothing_but_data_uris(url):
    fetcher = EmbeddedOnlyFetcher()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher(url)
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"


def test_a_long_invoice_runs_onto_more_pages_with_its_totals_at_the_end(company, oak_street):
    invoice = InvoiceFactory(
        property=oak_street,
        number="INV-3000",
        issued_on=dt.date(2026, 3, 2),
        lines=[{"description": f"Visit {n}", "unit_price": Decimal("10.00")} for n in range(1, 61)],
    )

    reader = pdf_reader(document_pdf(document=invoice))

    assert len(reader.pages) > 1
    last_page = reader.pages[-1].extract_text()
    assert "Visit 60" in last_page
    assert "Balance due" in last_page
