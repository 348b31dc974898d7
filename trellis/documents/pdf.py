"""Proposals and invoices as PDF, rendered by WeasyPrint from HTML templates.

Rendering never reaches the network or the file system: the company logo is
read from storage and embedded as a data: URI, the font is the system's DejaVu
Sans (found through fontconfig, no web fonts), and the URL fetcher refuses
everything but data: URIs, so nothing a document says can make the server
fetch a URL or read a file.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from base64 import b64encode
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import weasyprint
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.urls import URLFetcher

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.documents.models import money
from trellis.documents.selectors import Document, document_recipient
from trellis.proposals.models import Proposal

logger = logging.getLogger(__name__)

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_BRAND_COLOUR = "#2f6b3a"
BLACK, WHITE = "#111111", "#ffffff"
# Images are embedded at no more than this resolution: a large logo upload
# would otherwise make every emailed PDF as large as the upload.
IMAGE_DPI = 300
INVOICE_TEMPLATE = "documents/invoice_pdf.html"
PROPOSAL_TEMPLATE = "documents/proposal_pdf.html"
# Every template a PDF is rendered from (the two extend the base).
PDF_TEMPLATES = ("documents/pdf_base.html", INVOICE_TEMPLATE, PROPOSAL_TEMPLATE)


class EmbeddedOnlyFetcher(URLFetcher):
    """Fetches data: URIs and refuses every other URL (http, file, ftp...)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"})


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as documents and emails show it: "USD 1,234.50"."""
    return f"{currency} {money(amount):,.2f}"


def quantity_text(quantity: Decimal) -> str:
    """1.00 as "1", 2.50 as "2.5": quantities are mostly whole numbers."""
    return format(quantity.normalize(), "f")


@dataclass(frozen=True)
class Row:
    description: str
    quantity: str
    unit_price: str
    amount: str
    optional: bool = False
    chosen: bool = False
    taxable: bool = True


def _brand_colour(company: Company) -> str:
    # The field validates the colour in forms, but this goes into a stylesheet:
    # never trust it there.
    colour = company.brand_colour
    return colour if HEX_COLOUR.fullmatch(colour) else DEFAULT_BRAND_COLOUR


def _text_on(colour: str) -> str:
    """Black or white, whichever reads better on this background (WCAG luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return BLACK if luminance > 0.179 else WHITE


def logo_data_uri(company: Company) -> str | None:
    """The company's logo as a data: URI, or None when it has none or its file
    cannot be read."""
    if not company.logo:
        return None
    try:
        with company.logo.open("rb") as logo:
            content = logo.read()
    except OSError:
        # A document without its logo is better than no document at all.
        logger.warning("Company logo %r could not be read", company.logo.name, exc_info=True)
        return None
    content_type = mimetypes.guess_type(company.logo.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{b64encode(content).decode('ascii')}"


def _proposal_context(proposal: Proposal, currency: str) -> dict[str, Any]:
    # One query for the items, shared by the rows and the total.
    prefetch_related_objects([proposal], "items")
    items = list(proposal.items.all())
    return {
        "rows": [
            Row(
                description=item.description,
                quantity=quantity_text(item.quantity),
                unit_price=money_text(item.unit_price, currency),
                amount=money_text(item.amount, currency),
                optional=item.optional,
                chosen=item.chosen,
            )
            for item in items
        ],
        "has_optional": any(item.optional for item in items),
        "total": money_text(proposal.total, currency),
    }


def _invoice_context(invoice: Invoice, currency: str) -> dict[str, Any]:
    lines = list(invoice.lines.all())
    return {
        "rows": [
            Row(
                description=line.description,
                quantity=quantity_text(line.quantity),
                unit_price=money_text(line.unit_price, currency),
                amount=money_text(line.amount, currency),
                taxable=line.taxable,
            )
            for line in lines
        ],
        "marks_untaxed": invoice.tax_rate > 0 and not all(line.taxable for line in lines),
        "tax_rate": quantity_text(invoice.tax_rate),
        "subtotal": money_text(invoice.subtotal, currency),
        "tax": money_text(invoice.tax, currency),
        "total": money_text(invoice.total, currency),
        "amount_paid": money_text(invoice.amount_paid, currency),
        "balance": money_text(invoice.balance, currency),
    }


@dataclass(frozen=True)
class PdfSource:
    """What a document's PDF is made from: its template and everything the
    template is given but the logo's bytes (the company, whose `logo` names
    the file, is in the context)."""

    template: str
    context: dict[str, Any]
    company: Company


def document_source(*, document: Document, company: Company | None = None) -> PdfSource:
    """The template and context of a document's PDF, in the active language;
    `company`: the company read already in this request, if it was."""
    company = company or Company.load()
    colour = _brand_colour(company)
    recipient = document_recipient(document=document)
    context: dict[str, Any] = {
        "company": company,
        "brand_colour": colour,
        "on_brand_colour": _text_on(colour),
        # Headings in the brand colour only where it reads on white paper.
        "brand_text_colour": colour if _text_on(colour) == WHITE else BLACK,
        "document": document,
        "property": document.property,
        "recipient": recipient.contact if recipient is not None else None,
        "language": translation.get_language() or "en",
    }
    if isinstance(document, Proposal):
        context |= _proposal_context(document, company.currency)
        template = PROPOSAL_TEMPLATE
    else:
        context |= _invoice_context(document, company.currency)
        template = INVOICE_TEMPLATE
    return PdfSource(template=template, context=context, company=company)


def source_html(source: PdfSource, *, logo: str | None) -> str:
    """The HTML of the PDF, with `logo` (a data: URI, see logo_data_uri) as the logo."""
    return render_to_string(source.template, source.context | {"logo": logo})


def source_pdf(source: PdfSource, *, logo: str | None) -> bytes:
    """Render the PDF with WeasyPrint: the expensive part, some 100 ms a page."""
    html = weasyprint.HTML(string=source_html(source, logo=logo), url_fetcher=EmbeddedOnlyFetcher())
    pdf: bytes = html.write_pdf(dpi=IMAGE_DPI)
    return pdf


def document_html(*, document: Document) -> str:
    """The HTML a document's PDF is rendered from, in the active language."""
    source = document_source(document=document)
    return source_html(source, logo=logo_data_uri(source.company))


def document_pdf(*, document: Document) -> bytes:
    """The document as a PDF, in the active language: logo and colour of the
    company, property, lines (optional items marked), totals and tax, dates.
    Rendered anew on every call: trellis.documents.pdf_cache keeps them."""
    source = document_source(document=document)
    return source_pdf(source, logo=logo_data_uri(source.company))
