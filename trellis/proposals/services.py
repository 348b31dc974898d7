from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict

from django.db import transaction

from trellis.proposals.models import Proposal, ProposalItem


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
