from __future__ import annotations

from trellis.billing.models import Invoice
from trellis.customers.models import PropertyContact
from trellis.proposals.models import Proposal

Document = Proposal | Invoice


def document_recipient_role(*, document: Document) -> PropertyContact.Role:
    """Who a document is for: an invoice its property's Billing contact, a
    proposal its Primary contact."""
    if isinstance(document, Invoice):
        return PropertyContact.Role.BILLING
    return PropertyContact.Role.PRIMARY


def document_recipient(*, document: Document) -> PropertyContact | None:
    """The property's contact this document is for (with its contact loaded),
    or None when the property has no contact in that role."""
    return (
        PropertyContact.objects.select_related("contact")
        .filter(property_id=document.property_id, role=document_recipient_role(document=document))
        .first()
    )
