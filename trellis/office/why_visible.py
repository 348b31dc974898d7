"""Who sees this in the portal, on the office's proposal, invoice and request
pages: trellis.doctor.who_sees's one answer per contact, with the link to that
contact's troubleshoot page for the document.

Nothing here decides visibility: the answers are trellis.visibility's.
"""

from __future__ import annotations

from dataclasses import dataclass

from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.doctor import who_sees as doctor
from trellis.doctor.document import Document, document_ref
from trellis.office import pages


@dataclass(frozen=True)
class WhoSeesRow:
    """A contact's row: the domain's answer and where to troubleshoot it."""

    answer: doctor.WhoSees
    troubleshoot_url: str  # the contact's troubleshoot page, with this document chosen

    @property
    def contact(self) -> Contact:
        return self.answer.contact


def troubleshoot_url(contact: Contact, document: Document | None = None) -> str:
    """The contact's Troubleshoot portal access page, with this document chosen."""
    url = pages.troubleshoot_url(contact.pk)
    if document is None:
        return url
    return f"{url}?document={document_ref(document)}"  # a kind and a number: nothing to quote


def who_sees(document: Document, *, company: Company | None = None) -> list[WhoSeesRow]:
    """A row for each contact linked to the document's property (trellis.doctor.who_sees)."""
    return [
        WhoSeesRow(row, troubleshoot_url(row.contact, document))
        for row in doctor.who_sees(document, company=company)
    ]
