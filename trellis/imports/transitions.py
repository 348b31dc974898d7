"""Status changes an import file asks for, made through the same services staff
use (DESIGN.md: every state change is a service, whoever makes it).

Each table maps (Trellis's status, the file's status) to the services that take
the record from one to the other. A pair the table does not list, or a service
that refuses, leaves the status as Trellis has it, and the import says why.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from trellis.billing.models import Invoice
from trellis.billing.services import invoice_issue, invoice_void
from trellis.issues.models import Issue
from trellis.issues.services import request_close, request_reopen, request_start
from trellis.proposals.models import Proposal
from trellis.proposals.status import (
    proposal_record_decision,
    proposal_reopen,
    proposal_send,
    proposal_withdraw,
)
from trellis.refusals import Refused

Step = Callable[[int], object]
REASON = "as the import file says"


def _decide(approved: bool) -> Step:
    def step(pk: int) -> object:
        return proposal_record_decision(
            proposal_id=pk,
            approved=approved,
            via=Proposal.DecidedVia.IMPORT,
            contact_id=None,
            decided_at=timezone.now(),
            recorded_by=None,
        )

    return step


def _send(pk: int) -> object:
    return proposal_send(proposal_id=pk, actor=None)


def _withdraw(pk: int) -> object:
    return proposal_withdraw(proposal_id=pk, actor=None, reason=REASON)


def _reopen(pk: int) -> object:
    return proposal_reopen(proposal_id=pk, actor=None, reason=REASON)


P = Proposal.Status
PROPOSAL_PATHS: dict[tuple[str, str], list[Step]] = {
    (P.DRAFT, P.SENT): [_send],
    (P.DRAFT, P.WITHDRAWN): [_withdraw],
    (P.DRAFT, P.APPROVED): [_send, _decide(True)],
    (P.DRAFT, P.DECLINED): [_send, _decide(False)],
    (P.SENT, P.WITHDRAWN): [_withdraw],
    (P.SENT, P.APPROVED): [_decide(True)],
    (P.SENT, P.DECLINED): [_decide(False)],
    (P.DECLINED, P.SENT): [_reopen],
    (P.WITHDRAWN, P.SENT): [_reopen],
}

INVOICE_PATHS: dict[tuple[str, str], list[Step]] = {
    (Invoice.Status.DRAFT, Invoice.Status.OPEN): [
        lambda pk: invoice_issue(invoice_id=pk, actor=None)
    ],
    (Invoice.Status.DRAFT, Invoice.Status.VOID): [
        lambda pk: invoice_void(invoice_id=pk, actor=None, reason=REASON)
    ],
    (Invoice.Status.OPEN, Invoice.Status.VOID): [
        lambda pk: invoice_void(invoice_id=pk, actor=None, reason=REASON)
    ],
}

I = Issue.Status  # noqa: E741
ISSUE_PATHS: dict[tuple[str, str], list[Step]] = {
    (I.OPEN, I.IN_PROGRESS): [lambda pk: request_start(issue_id=pk, actor=None)],
    (I.OPEN, I.CLOSED): [lambda pk: request_close(issue_id=pk, actor=None)],
    (I.IN_PROGRESS, I.CLOSED): [lambda pk: request_close(issue_id=pk, actor=None)],
    (I.CLOSED, I.OPEN): [lambda pk: request_reopen(issue_id=pk, actor=None)],
}


def status_change(
    *, paths: dict[tuple[str, str], list[Step]], pk: int, current: str, wanted: str
) -> str:
    """Take the record from `current` to `wanted` through the services; returns
    "" when done, or why it was not (and then nothing changed)."""
    steps = paths.get((current, wanted))
    if steps is None:
        return f"Trellis does not change a {current} record to {wanted}"
    try:
        with transaction.atomic():  # all the steps or none
            for step in steps:
                step(pk)
    except Refused as refused:
        return refused.message.rstrip(".")
    return ""
