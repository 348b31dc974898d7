"""Troubleshoot portal access: the page. The checks are trellis.doctor's
(questions with answers, each with its verdict and evidence); this module only
renders them and turns each check's fix into a button.

Under the content check staff can choose one proposal, invoice or request
(`?document=invoice:12`) and see whether the contact sees it, and why not
(trellis.office.doctor_document).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from trellis.accounts.models import User
from trellis.accounts.preview import can_view_as
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.doctor.checks import Check
from trellis.doctor.checks import Fix as FixCode
from trellis.doctor.contact import contact_checks
from trellis.doctor.document import SHOWN, DocumentNotFound, document_chooser, document_chosen
from trellis.office.contact_portal import ContactLinks, can_invite, staff_user
from trellis.office.doctor_checks import Fix
from trellis.office.doctor_document import document_panel


@dataclass(frozen=True)
class CheckPanel:
    """A check as the page shows it: the domain's answer, and its button."""

    check: Check
    fix: Fix | None


def fix_button(code: FixCode | None, links: ContactLinks) -> Fix | None:
    """The button for what trellis.doctor says staff can do."""
    if code is None:
        return None
    if code == FixCode.SAVE_PAYMENT_METHOD:
        return Fix("Save a payment method for this contact", links.save_payment_method)
    if code == FixCode.SEND_INVITATION:
        return Fix("Send Customer Portal invite", links.invite, "post")
    return Fix("Send password reset", links.password_reset, "post")


def check_panels(
    *,
    contact: Contact,
    company: Company,
    links: ContactLinks,
    staff: User | None = None,
) -> list[CheckPanel]:
    return [
        CheckPanel(check, fix_button(check.fix, links))
        for check in contact_checks(contact=contact, company=company, staff=staff)
    ]


def troubleshoot_context(
    request: HttpRequest, contact: Contact, *, links: ContactLinks
) -> dict[str, Any]:
    """What the troubleshoot page shows: the contact's checks, and the chosen
    document's (trellis.office.doctor_document), each with its fixes."""
    company = Company.load()
    chosen = request.GET.get("document", "").strip()
    panel, not_found = None, ""
    if chosen:
        try:
            document = document_chosen(chosen)
        except DocumentNotFound as missing:
            not_found = missing.message
        else:
            panel = document_panel(
                contact=contact,
                document=document,
                company=company,
                request=request,
            )
    return {
        "title": f"Troubleshoot portal access: {contact.full_name}",
        "contact": contact,
        "links": links,
        "checks": check_panels(
            contact=contact, company=company, staff=staff_user(request), links=links
        ),
        "can_act": can_invite(request),
        "can_view_as": can_view_as(request.user),
        "messages_url": links.messages,
        "contact_url": links.page,
        "chooser": document_chooser(contact=contact, query=request.GET.get("q", "")),
        "chosen": chosen,
        "document_check": panel,
        "document_not_found": not_found,
        "shown": SHOWN,
    }
