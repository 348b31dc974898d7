"""Writing proposals: their items (staff) and the customer's decision (portal)."""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.documents.models import money
from trellis.inbox.models import InboxItem
from trellis.inbox.notify import StaffEmail
from trellis.inbox.services import inbox_item_add
from trellis.proposals.models import Proposal, ProposalItem
from trellis.visibility import visible_proposals

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class ItemData(TypedDict, total=False):
    description: str
    quantity: Decimal
    unit_price: Decimal
    optional: bool
    chosen: bool


def proposal_set_items(*, proposal: Proposal, items: Iterable[ItemData]) -> Proposal:
    """Replace the proposal's items, in the order given."""
    with transaction.atomic():
        proposal.save()
        proposal.items.all().delete()
        ProposalItem.objects.bulk_create(
            ProposalItem(proposal=proposal, position=position, **item)
            for position, item in enumerate(items)
        )
    return proposal


# --- the customer's decision -------------------------------------------------

# A signature drawn on the portal's pad is a few tens of kilobytes; anything
# much larger is not a signature.
SIGNATURE_MAX_BYTES = 200 * 1024
SIGNATURE_MAX_SIDE = 4000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_UNREADABLE = gettext_lazy(
    "The signature could not be read. Clear the pad and sign again."
)


class ProposalDecisionRefused(Exception):
    """A decision that cannot be recorded, said in the customer's words.

    `field` names the form field the message belongs to, when there is one.
    """

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class ProposalNotDecidable(ProposalDecisionRefused):
    """The proposal is not (or no longer) waiting for the customer's decision."""


class SignatureInvalid(ProposalDecisionRefused):
    field = "signature"


class ProposalTotalChanged(ProposalDecisionRefused):
    """The total of the items chosen is not the total the customer was shown."""

    def __init__(self, message: str, *, total: Decimal) -> None:
        super().__init__(message)
        self.total = total


NOT_DECIDABLE: dict[str, _StrPromise] = {
    Proposal.Status.DRAFT: gettext_lazy("This proposal is not ready for your decision yet."),
    Proposal.Status.APPROVED: gettext_lazy("This proposal has already been approved."),
    Proposal.Status.DECLINED: gettext_lazy("This proposal has already been declined."),
    Proposal.Status.WITHDRAWN: gettext_lazy(
        "This proposal has been withdrawn, so it can no longer be approved or declined."
    ),
}


def proposal_total_for(*, proposal: Proposal, chosen_item_ids: Collection[int]) -> Decimal:
    """The total if the customer chose these optional items (and no others)."""
    return money(
        sum(
            (i.amount for i in proposal.items.all() if not i.optional or i.pk in chosen_item_ids),
            Decimal(0),
        )
    )


def signature_check(*, png: bytes) -> None:
    """Raise SignatureInvalid unless `png` is a real PNG image of a sensible size."""
    unreadable = str(SIGNATURE_UNREADABLE)
    if len(png) > SIGNATURE_MAX_BYTES:
        raise SignatureInvalid(
            _("The signature is too large. Clear the pad and sign again, or type your name only.")
        )
    if not png.startswith(PNG_MAGIC):
        raise SignatureInvalid(unreadable)
    try:
        with warnings.catch_warnings():
            # A tiny file can claim a huge canvas; refuse it rather than warn.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(png), formats=["PNG"]) as image:
                width, height = image.size
                if not (0 < width <= SIGNATURE_MAX_SIDE and 0 < height <= SIGNATURE_MAX_SIDE):
                    raise SignatureInvalid(unreadable)
                image.verify()  # every chunk whole, with the right checksum
            with Image.open(BytesIO(png), formats=["PNG"]) as image:
                image.load()  # and the pixels decode
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise SignatureInvalid(unreadable) from error


def proposal_approve(
    *,
    proposal_id: int,
    contact: Contact,
    signer_name: str,
    signature_png: bytes | None,
    chosen_item_ids: set[int],
    ip: str | None,
    expected_total: Decimal | None = None,
) -> Proposal:
    """The customer approves a proposal they see in the portal, and signs it.

    The signer types their full name (always) and may draw a signature
    (`signature_png`, a PNG). Of the optional items, those in `chosen_item_ids`
    are chosen and the others not; ids of other proposals' items or of required
    items are ignored. With `expected_total`, the approval is refused
    (ProposalTotalChanged) unless it is the total of the items chosen, so
    nobody signs for an amount they were not shown.

    Raises ProposalNotDecidable if the proposal was already decided (even a
    moment ago, by someone else), and Proposal.DoesNotExist if the contact does
    not see it. Staff are notified.
    """
    signer_name = " ".join(signer_name.split())
    if not signer_name:
        raise ProposalDecisionRefused(_("Type your full name to sign."), field="signer_name")
    if signature_png:
        signature_check(png=signature_png)
    with transaction.atomic():
        company = Company.load()
        proposal = _locked_decidable(proposal_id=proposal_id, contact=contact, company=company)
        total = proposal_total_for(proposal=proposal, chosen_item_ids=chosen_item_ids)
        if expected_total is not None and money(expected_total) != total:
            raise ProposalTotalChanged(
                _("The total has changed. Check it, then approve again."), total=total
            )
        proposal.items.filter(optional=True).update(
            chosen=Case(When(pk__in=chosen_item_ids, then=Value(True)), default=Value(False))
        )
        proposal.signer_name = signer_name[:200]
        proposal.signature_png = signature_png or None
        _decided(proposal, status=Proposal.Status.APPROVED, contact=contact, ip=ip)
        chosen = sorted(
            i.pk for i in proposal.items.all() if i.optional and i.pk in chosen_item_ids
        )
        audit_record(
            action="proposal.approved",
            actor=_account_of(contact),
            target=proposal,
            data={
                "signer_name": proposal.signer_name,
                "signed_on_pad": bool(signature_png),
                "chosen_item_ids": chosen,
                "total": str(total),
                "ip": ip,
            },
        )
        _staff_notify(proposal=proposal, company=company, total=total)
    return proposal


def proposal_decline(
    *, proposal_id: int, contact: Contact, reason: str, ip: str | None
) -> Proposal:
    """The customer declines a proposal they see in the portal, saying why.

    Raises ProposalNotDecidable if the proposal was already decided (even a
    moment ago, by someone else), and Proposal.DoesNotExist if the contact does
    not see it. Staff are notified.
    """
    reason = reason.strip()
    if not reason:
        raise ProposalDecisionRefused(
            _("Tell us why you are declining this proposal."), field="reason"
        )
    with transaction.atomic():
        company = Company.load()
        proposal = _locked_decidable(proposal_id=proposal_id, contact=contact, company=company)
        proposal.decline_reason = reason
        _decided(proposal, status=Proposal.Status.DECLINED, contact=contact, ip=ip)
        total = proposal.total
        audit_record(
            action="proposal.declined",
            actor=_account_of(contact),
            target=proposal,
            data={"reason": reason, "total": str(total), "ip": ip},
        )
        _staff_notify(proposal=proposal, company=company, total=total)
    return proposal


def _locked_decidable(*, proposal_id: int, contact: Contact, company: Company) -> Proposal:
    # The row lock makes a second, simultaneous decision wait for the first to
    # commit, and then read the status the first one left: decided exactly once.
    # Loading through the visibility rules keeps a contact to their own proposals.
    proposal = (
        visible_proposals(contact=contact, company=company)
        .select_for_update(of=("self",))
        .select_related("property")
        .get(pk=proposal_id)
    )
    if proposal.status != Proposal.Status.SENT:
        raise ProposalNotDecidable(str(NOT_DECIDABLE[proposal.status]))
    return proposal


def _decided(proposal: Proposal, *, status: str, contact: Contact, ip: str | None) -> None:
    proposal.status = status
    proposal.decided_via = Proposal.DecidedVia.PORTAL
    proposal.decided_at = timezone.now()
    proposal.decided_by = contact
    proposal.decided_from_ip = ip
    proposal.save(
        update_fields=[
            "status",
            "decided_via",
            "decided_at",
            "decided_by",
            "decided_from_ip",
            "signer_name",
            "signature_png",
            "decline_reason",
            "updated_at",
        ]
    )


def _account_of(contact: Contact) -> User | None:
    return getattr(contact, "portal_account", None)


def _staff_notify(*, proposal: Proposal, company: Company, total: Decimal) -> None:
    """Put the decision in the office's inbox, and tell staff who asked to be
    emailed (in English, with a link to the proposal in the office)."""
    items = list(proposal.items.all())
    chosen = [i for i in items if i.optional and i.chosen]
    not_chosen = [i for i in items if i.optional and not i.chosen]
    approved = proposal.status == Proposal.Status.APPROVED
    inbox_item_add(
        kind=InboxItem.Kind.PROPOSAL_APPROVED if approved else InboxItem.Kind.PROPOSAL_DECLINED,
        company=company,
        property=proposal.property,
        contact=proposal.decided_by,
        proposal=proposal,
        data={
            "total": str(total),
            "chosen": [i.description for i in chosen],
            "not_chosen": [i.description for i in not_chosen],
            "signer_name": proposal.signer_name if approved else "",
            "reason": proposal.decline_reason if not approved else "",
        },
        staff_email=StaffEmail(
            template="proposal_decided",
            context={
                "proposal": proposal,
                "contact": proposal.decided_by,
                "total": total,
                "chosen": chosen,
                "not_chosen": not_chosen,
            },
        ),
    )
