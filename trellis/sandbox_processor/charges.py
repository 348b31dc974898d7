"""What every kind of charge shares at the sandbox: its refusals, its
references, how it ends (with the event that tells the merchant) and how the
API shows it. processor.py charges cards; processor_banks.py bank accounts.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from trellis.sandbox_processor.behaviours import ACH_RETURNS
from trellis.sandbox_processor.events import event_record
from trellis.sandbox_processor.models import Charge

CENT = Decimal("0.01")


class Declined(Exception):
    """The processor refused; nothing was charged, saved or refunded."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Unanswered(Exception):
    """The processor did the work but its answer never arrived (test card
    4000 0000 0000 0259, once): the caller cannot tell what happened."""


def reference_new(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def charge_settle(charge: Charge, *, failure_code: str = "", at: datetime | None = None) -> None:
    """Save the charge as it ended, with the event that tells the merchant."""
    charge.status = Charge.Status.FAILED if failure_code else Charge.Status.SUCCEEDED
    charge.failure_code = failure_code
    charge.settled_at = at or timezone.now()
    charge.save()
    event_record(
        type="charge.failed" if failure_code else "charge.succeeded", data=charge_data(charge)
    )


def charge_data(charge: Charge) -> dict[str, Any]:
    """The charge as the processor's API and events show it."""
    data: dict[str, Any] = {
        "object": "charge",
        "id": charge.reference,
        "amount": str(charge.amount),
        "currency": charge.currency,
        "status": charge.status,
        "failure_code": charge.failure_code or None,
        "amount_refunded": str(charge.refunded),
        "payment_method_type": "bank_account" if charge.bank_account_id else "card",
        "metadata": {"idempotency_key": charge.idempotency_key},
    }
    if charge.failure_code in ACH_RETURNS:
        data["return_code"] = ACH_RETURNS[charge.failure_code]
    return data
