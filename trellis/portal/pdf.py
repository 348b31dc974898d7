from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.mail.headers import header_safe
from trellis.proposals.models import Proposal


def pdf_response(document: Proposal | Invoice, company: Company) -> HttpResponse:
    """The document's PDF, shown in the browser, named for saving. Load the
    document through trellis.visibility before calling this. The PDF is the
    one kept for this version of the document, rendered now if there is none."""
    from trellis.documents.pdf_cache import stored_document_pdf

    response = HttpResponse(
        stored_document_pdf(document=document, company=company), content_type="application/pdf"
    )
    # The number is whatever the import or staff wrote: one line, quoted properly.
    filename = header_safe(f"{document}.pdf").replace(" ", "-")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=filename) or "inline"
    )
    response["Cache-Control"] = "private, no-store"
    return response
