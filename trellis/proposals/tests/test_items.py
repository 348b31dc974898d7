from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from trellis.proposals.models import ProposalItem
from trellis.testing.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def test_the_total_counts_required_items_and_chosen_optional_ones():
    proposal = ProposalFactory(
        items=[
            {"description": "Aeration", "quantity": Decimal(2), "unit_price": Decimal("45.50")},
            {"description": "Overseeding", "unit_price": Decimal("80"), "optional": True},
            {"description": "Lime", "unit_price": Decimal("35"), "optional": True, "chosen": True},
        ]
    )
    assert proposal.total == Decimal("126.00")


def test_only_an_optional_item_can_be_chosen():
    proposal = ProposalFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalItem.objects.create(
            proposal=proposal, description="Edging", unit_price=Decimal(10), chosen=True
        )
