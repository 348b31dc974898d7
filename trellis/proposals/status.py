"""A proposal's status changes other than the customer's own decision in the
portal (trellis.proposals.services): staff send, withdraw and reopen it, and
record a decision the customer made on paper, by phone or by email; the import
does the same for what the company's other system says.

Each locks the proposal's row, checks its status, and writes the audit entry
in the same transaction; a change the rules do not allow raises
ProposalChangeRefused, having changed nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.customers.models import Contact, PropertyContact
from trellis.proposals.models import Proposal
from trellis.refusals import Refused

Status = Proposal.Status
DecidedVia = Proposal.DecidedVia


class ProposalChangeRefused(Refused):
    """The proposal's status may not change this way; `message` says why, for staff."""


def _locked(proposal_id: int) -> Proposal:
    return Proposal.objects.select_for_update(of=("self",)).get(pk=proposal_id)


def _require(proposal: Proposal, allowed: Collection[str], action: str) -> None:
    if proposal.status not in allowed:
        raise ProposalChangeRefused(
            f"{proposal} is {proposal.get_status_display().lower()}, so it can't be {action}."
        )


def _reason(reason: str, what: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ProposalChangeRefused(f"Say why the proposal is {what}.")
    return reason[:300]


def proposal_send(*, proposal_id: int, actor: User | None) -> Proposal:
    """A draft is ready for the customer's decision (Sent). Printing or
    emailing a draft sends it too (trellis.documents.services)."""
    with transaction.atomic():
        proposal = _locked(proposal_id)
        _require(proposal, [Status.DRAFT], "sent")
        proposal.status = Status.SENT
        proposal.save(update_fields=["status", "updated_at"])
        audit_record(action="proposal.sent", actor=actor, target=proposal, data={})
    return proposal


def proposal_withdraw(*, proposal_id: int, actor: User | None, reason: str) -> Proposal:
    """The company takes back a proposal the customer has not decided on; the
    portal stops showing it."""
    reason = _reason(reason, "withdrawn")
    with transaction.atomic():
        proposal = _locked(proposal_id)
        _require(proposal, [Status.DRAFT, Status.SENT], "withdrawn")
        previous = proposal.status
        proposal.status = Status.WITHDRAWN
        proposal.save(update_fields=["status", "updated_at"])
        audit_record(
            action="proposal.withdrawn",
            actor=actor,
            target=proposal,
            data={"reason": reason, "was": previous},
        )
    return proposal


def proposal_reopen(*, proposal_id: int, actor: User | None, reason: str) -> Proposal:
    """A declined or withdrawn proposal is put before the customer again (Sent).

    The decline it had is cleared from the proposal, so the customer can decide
    again, and kept whole in the audit entry: who, when, how and why. An
    approved proposal is a signed agreement and is never reopened: write a new
    proposal instead."""
    reason = _reason(reason, "reopened")
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if proposal.status == Status.APPROVED:
            raise ProposalChangeRefused(
                f"{proposal} was approved: an approval is never reopened. "
                "Write a new proposal for the change instead."
            )
        _require(proposal, [Status.DECLINED, Status.WITHDRAWN], "reopened")
        previous = {
            "was": proposal.status,
            "decided_via": proposal.decided_via,
            "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
            "decided_by": proposal.decided_by_id,
            "decided_from_ip": proposal.decided_from_ip,
            "decision_recorded_by": proposal.decision_recorded_by_id,
            "decline_reason": proposal.decline_reason,
        }
        proposal.status = Status.SENT
        proposal.decided_via = ""
        proposal.decided_at = proposal.decided_by = proposal.decided_from_ip = None
        proposal.decision_recorded_by = None
        proposal.decline_reason = ""
        proposal.save(
            update_fields=[
                "status",
                "decided_via",
                "decided_at",
                "decided_by",
                "decided_from_ip",
                "decision_recorded_by",
                "decline_reason",
                "updated_at",
            ]
        )
        audit_record(
            action="proposal.reopened",
            actor=actor,
            target=proposal,
            data={"reason": reason, "previous": previous},
        )
    return proposal


def proposal_record_decision(
    *,
    proposal_id: int,
    approved: bool,
    via: str,
    contact_id: int | None,
    decided_at: dt.datetime,
    recorded_by: User | None,
    signer_name: str = "",
    reason: str = "",
    chosen_item_ids: Collection[int] = (),
) -> Proposal:
    """Record the customer's approval or decline of a sent proposal, made
    outside the portal: `via` says how (paper, phone, email; the import uses
    "import"), `contact_id` who (a contact of the property), `decided_at` when.
    An approval names the optional items chosen; a decline says why.

    Staff never record a decision without saying how they got it, and it is
    shown as such wherever the decision is: "Approved by phone, recorded by
    Jane Smith"."""
    allowed_via = [*Proposal.STAFF_CHANNELS, DecidedVia.IMPORT]
    if via not in allowed_via:
        raise ProposalChangeRefused(
            "Say how the customer told you: on paper, by phone or by email."
        )
    if recorded_by is None and via != DecidedVia.IMPORT:
        raise ProposalChangeRefused("A decision made outside the portal is recorded by staff.")
    if decided_at > timezone.now():
        raise ProposalChangeRefused("The decision can't be dated in the future.")
    signer_name = " ".join(signer_name.split())[:200]
    reason = " ".join(reason.split())
    if not approved and not reason and via != DecidedVia.IMPORT:
        raise ProposalChangeRefused("Say why the customer declined.")
    with transaction.atomic():
        proposal = _locked(proposal_id)
        _require(proposal, [Status.SENT], "approved or declined")
        contact = None
        if contact_id is not None:
            contact = Contact.objects.filter(
                pk=contact_id,
                roles__property_id=proposal.property_id,
            ).first()
            if contact is None:
                raise ProposalChangeRefused("Choose the contact of the property who decided.")
        elif via != DecidedVia.IMPORT:
            raise ProposalChangeRefused("Choose the contact of the property who decided.")
        if approved and via != DecidedVia.IMPORT:  # an import brings the items as chosen
            proposal.items.filter(optional=True).update(
                chosen=Case(
                    When(pk__in=list(chosen_item_ids), then=Value(True)), default=Value(False)
                )
            )
        # What was chosen, as it now stands: ids of required items or of other
        # proposals' items were ignored, and an import's items are as it wrote them.
        chosen = (
            sorted(proposal.items.filter(optional=True, chosen=True).values_list("pk", flat=True))
            if approved
            else []
        )
        proposal.status = Status.APPROVED if approved else Status.DECLINED
        proposal.decided_via = via
        proposal.decided_at = decided_at
        proposal.decided_by = contact
        proposal.decided_from_ip = None
        proposal.decision_recorded_by = recorded_by
        proposal.signer_name = signer_name if approved else ""
        proposal.signature_png = None
        proposal.decline_reason = "" if approved else reason
        proposal.save(
            update_fields=[
                "status",
                "decided_via",
                "decided_at",
                "decided_by",
                "decided_from_ip",
                "decision_recorded_by",
                "signer_name",
                "signature_png",
                "decline_reason",
                "updated_at",
            ]
        )
        audit_record(
            action="proposal.approved" if approved else "proposal.declined",
            actor=recorded_by,
            target=proposal,
            data={
                "via": via,
                "contact": contact.pk if contact else None,
                "decided_at": decided_at.isoformat(),
                "signer_name": proposal.signer_name,
                "reason": proposal.decline_reason,
                "chosen_item_ids": chosen,
                "total": str(proposal.total),
            },
        )
    return proposal


def proposal_decision_contacts(*, proposal: Proposal) -> list[Contact]:
    """The contacts who may have decided: the property's, Primary first."""
    order: dict[str, int] = {PropertyContact.Role.PRIMARY: 0, PropertyContact.Role.BILLING: 1}
    roles = PropertyContact.objects.filter(property_id=proposal.property_id).select_related(
        "contact"
    )
    seen: dict[int, Contact] = {}
    for role in sorted(roles, key=lambda r: order.get(r.role, 2)):
        seen.setdefault(role.contact_id, role.contact)
    return list(seen.values())
