from __future__ import annotations

from django.http import HttpResponse

from trellis.billing.models import Invoice
from trellis.proposals.models import Proposal


def pdf_response(document: Proposal | Invoice) -> HttpResponse:
    """The document's PDF, shown in the browser, named for saving. Load the
    document through trellis.visibility before calling this."""
    from trellis.documents.pdf import document_pdf

    response = HttpResponse(document_pdf(document=document), content_type="application/pdf")
    filename = f"{document}.pdf".replace(" ", "-")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
