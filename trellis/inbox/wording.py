"""What an inbox item says, in the office's words: one headline, a few detail
lines and the page it leads to. The office's list and the staff emails (at
once and in the digest) read it from here, so they never say it two ways.

Everything is read from the item's own row and the objects the inbox selector
loads with it (trellis.inbox.selectors.ITEM_RELATED): no query per item.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from trellis.inbox.models import InboxItem

Kind = InboxItem.Kind


def _who(item: InboxItem) -> str:
    return item.contact.full_name if item.contact is not None else "A customer"


def _number(obj: object | None) -> str:
    return str(getattr(obj, "number", "") or "")


def _on_invoice(item: InboxItem) -> str:
    number = _number(item.invoice)
    return f" on invoice {number}" if number else ""


def _date(value: object) -> str:
    if not isinstance(value, str) or not value:
        return ""
    moment = datetime.fromisoformat(value)
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _request_opened(item: InboxItem) -> str:
    subject = item.issue.subject if item.issue is not None else item.data.get("subject", "")
    return f"{_who(item)} opened a request: “{subject}”"


def _request_commented(item: InboxItem) -> str:
    subject = item.issue.subject if item.issue is not None else item.data.get("subject", "")
    return f"{_who(item)} commented on the request “{subject}”"


def _proposal_approved(item: InboxItem) -> str:
    return f"{_who(item)} approved proposal {_number(item.proposal)}"


def _proposal_declined(item: InboxItem) -> str:
    return f"{_who(item)} declined proposal {_number(item.proposal)}"


def _payment_received(item: InboxItem) -> str:
    amount = item.data.get("amount", "")
    return f"{_who(item)} paid {amount}{_on_invoice(item)}"


def _payment_failed(item: InboxItem) -> str:
    amount = item.data.get("amount", "")
    return f"{_who(item)}'s payment of {amount}{_on_invoice(item)} failed"


def _payment_pending(item: InboxItem) -> str:
    amount = item.data.get("amount", "")
    return f"{_who(item)}'s payment of {amount}{_on_invoice(item)} is still pending"


def _email_failed(item: InboxItem) -> str:
    return f"An email to {item.data.get('to', '')} could not be delivered"


def _invitation_pending(item: InboxItem) -> str:
    return f"{_who(item)} has not accepted their portal invitation yet"


def _invitation_expired(item: InboxItem) -> str:
    return f"{_who(item)}'s portal invitation expired unused"


def _sign_in_trouble(item: InboxItem) -> str:
    return f"{_who(item)} tried to reset their password and could not"


HEADLINES: dict[str, Callable[[InboxItem], str]] = {
    Kind.REQUEST_OPENED: _request_opened,
    Kind.REQUEST_COMMENTED: _request_commented,
    Kind.PROPOSAL_APPROVED: _proposal_approved,
    Kind.PROPOSAL_DECLINED: _proposal_declined,
    Kind.PAYMENT_RECEIVED: _payment_received,
    Kind.PAYMENT_FAILED: _payment_failed,
    Kind.PAYMENT_PENDING: _payment_pending,
    Kind.EMAIL_FAILED: _email_failed,
    Kind.INVITATION_PENDING: _invitation_pending,
    Kind.INVITATION_EXPIRED: _invitation_expired,
    Kind.SIGN_IN_TROUBLE: _sign_in_trouble,
}

# Why a contact could not reset (trellis.inbox.services.sign_in_trouble_note).
TROUBLE = {
    "former_address": "It is an address they used before: they sign in with the one on file.",
    "no_account": "They have no portal account yet: send them an invitation.",
    "deactivated": "Their portal account is deactivated.",
}


def item_headline(item: InboxItem) -> str:
    """One line saying what happened."""
    return HEADLINES[item.kind](item)


def item_details(item: InboxItem) -> list[str]:
    """The lines under the headline: what staff need before they open the page."""
    data = item.data
    lines: list[str] = []

    def add(label: str, value: object) -> None:
        if value not in (None, "", []):
            shown = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
            lines.append(f"{label}: {shown}")

    if item.property is not None:
        add("Property", item.property.name)
    if item.kind in (Kind.PROPOSAL_APPROVED, Kind.PROPOSAL_DECLINED):
        if item.proposal is not None:
            add("Proposal", f"{item.proposal.number}, “{item.proposal.title}”")
        add("Total", data.get("total"))
        add("Optional items chosen", data.get("chosen"))
        add("Optional items not chosen", data.get("not_chosen"))
        add("Signed by", data.get("signer_name"))
        add("Reason given", data.get("reason"))
    elif item.kind == Kind.REQUEST_OPENED:
        add("Description", data.get("excerpt"))
        add("Photos", data.get("photos") or None)
    elif item.kind == Kind.REQUEST_COMMENTED:
        add("Comment", data.get("excerpt"))
        add("Photos", data.get("photos") or None)
    elif item.kind == Kind.PAYMENT_FAILED:
        add("The processor's reason", data.get("reason"))
    elif item.kind == Kind.PAYMENT_PENDING:
        add("Started", _date(data.get("started_at")))
    elif item.kind == Kind.EMAIL_FAILED:
        add("Subject", data.get("subject"))
        add("Error", data.get("error"))
    elif item.kind in (Kind.INVITATION_PENDING, Kind.INVITATION_EXPIRED):
        add("Sent to", data.get("sent_to"))
        add("Sent", _date(data.get("sent_at")))
        add(
            "Expires" if item.kind == Kind.INVITATION_PENDING else "Expired",
            _date(data.get("expires_at")),
        )
    elif item.kind == Kind.SIGN_IN_TROUBLE:
        add("Address tried", data.get("tried"))
        add("Address on file", data.get("on_file"))
        lines.append(TROUBLE.get(data.get("why", ""), ""))
    return [line for line in lines if line]


def item_office_path(item: InboxItem) -> str:
    """The office page of what the item is about (trellis/office/urls.py)."""
    for kind, object_id in (
        ("proposal", item.proposal_id),
        ("invoice", item.invoice_id),
        ("request", item.issue_id),
        ("email", item.email_id),
    ):
        if object_id is not None:
            return reverse(f"office:{kind}", kwargs={f"{kind}_id": object_id})
    if item.contact_id is None:
        return ""
    page = "contact-troubleshoot" if item.kind == Kind.SIGN_IN_TROUBLE else "contact"
    return reverse(f"office:{page}", kwargs={"contact_id": item.contact_id})
