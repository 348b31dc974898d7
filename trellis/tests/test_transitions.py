"""Every status change staff or the import make, from every state its object can
be in: allowed (the new state, the fields it writes, one audit entry by the
right person) or refused (a Refused with a reason in words, and nothing
changed: no row, no audit entry, no email).

Objects reach their starting state through the services, as they would in use;
the portal's card payments go through the sandbox processor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import PaymentUnavailable, invoice_pay
from trellis.billing.recorded_payments import payment_record_offline, payment_reverse
from trellis.billing.services import invoice_issue, invoice_void
from trellis.billing.tests.methods import DECLINED, TIMES_OUT_ONCE, key, saved_card
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.issues.models import Issue
from trellis.issues.services import (
    request_close,
    request_include_client,
    request_reopen,
    request_start,
)
from trellis.mail.models import OutgoingEmail
from trellis.proposals.models import Proposal, ProposalItem
from trellis.proposals.services import proposal_decline
from trellis.proposals.status import (
    proposal_record_decision,
    proposal_reopen,
    proposal_send,
    proposal_withdraw,
)
from trellis.refusals import Refused
from trellis.testing.factories import (
    ImportedPaymentFactory,
    InvoiceFactory,
    IssueFactory,
    OfflinePaymentFactory,
    PropertyContactFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

SPOKEN = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)  # when the customer told staff
ITEMS = [
    {"description": "Aeration", "unit_price": Decimal("90.00")},
    {"description": "Lime", "unit_price": Decimal("35.00"), "optional": True},
]


@dataclass
class World:
    staff: User
    payer: Contact  # the property's Billing contact, who pays in the portal too
    property: Property
    company: Company
    stranger: Contact  # the Primary contact of another property


@pytest.fixture
def world(staff, alice, charlie):
    link = PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.BILLING)
    PropertyContactFactory(contact=charlie, role=PropertyContact.Role.PRIMARY)
    return World(
        staff=staff,
        payer=alice.contact,
        property=link.property,
        company=Company.load(),
        stranger=charlie,
    )


class _Set:
    """Any value but None (a time a transition stamps)."""

    def __eq__(self, other: object) -> bool:
        return other is not None

    def __repr__(self) -> str:
        return "<set>"


SET = _Set()


def resolved(value: Any, w: World) -> Any:
    """A value of the case, or what it is in this world (a callable is given it)."""
    return value(w) if callable(value) else value


def staff_pk(w: World) -> int:
    return w.staff.pk


def payer_pk(w: World) -> int:
    return w.payer.pk


@dataclass(frozen=True)
class Allowed:
    """The transition happens: `fields` of the object after it (a callable is
    given the world), one audit entry `action` by staff (or nobody), whose
    `data` includes these items, on the object (or what `target` picks)."""

    action: str
    fields: dict[str, Any] = field(default_factory=dict)
    invoice: dict[str, Any] = field(default_factory=dict)  # of a payment's invoice
    data: dict[str, Any] = field(default_factory=dict)
    by_staff: bool = True
    emails: int = 0
    target: Callable[[Model], Model] | None = None
    check: Callable[[World, Model, AuditEntry], None] | None = None


@dataclass(frozen=True)
class Refusal:
    """Refused with a message that says so (`says` is a part of it)."""

    says: str


@dataclass(frozen=True)
class Case:
    service: str
    start: str
    arrange: Callable[[World], Model]
    act: Callable[[World, Model], object]
    expect: Allowed | Refusal

    @property
    def id(self) -> str:
        outcome = "allowed" if isinstance(self.expect, Allowed) else "refused"
        return f"{self.service}:{self.start}:{outcome}"


# --- invoices and payments, in every state ----------------------------------


def draft_invoice(w: World) -> Invoice:
    return InvoiceFactory(property=w.property, status=Invoice.Status.DRAFT)


def open_invoice(w: World) -> Invoice:
    return InvoiceFactory(property=w.property, printed_at=timezone.now())


def portal_payment(w: World, invoice: Invoice, amount: str, card: str | None = None) -> Payment:
    method = saved_card(w.payer) if card is None else saved_card(w.payer, card)
    try:
        return invoice_pay(
            invoice_id=invoice.pk,
            contact=w.payer,
            company=w.company,
            method=method,
            amount=Decimal(amount),
            idempotency_key=key(),
        )
    except PaymentUnavailable as unanswered:
        return unanswered.payment


def offline_payment(w: World, invoice: Invoice, amount: str) -> Payment:
    return OfflinePaymentFactory(
        invoice=invoice, amount=Decimal(amount), recorded_by=w.staff, send_receipt=False
    )


def reversed_(payment: Payment, w: World) -> Payment:
    return payment_reverse(payment_id=payment.pk, reason="Entered twice.", actor=w.staff)


def fresh(invoice: Invoice) -> Invoice:
    invoice.refresh_from_db()
    return invoice


def partially_paid_offline(w: World) -> Invoice:
    invoice = open_invoice(w)
    offline_payment(w, invoice, "40.00")
    return fresh(invoice)


def paid_in_portal(w: World) -> Invoice:
    invoice = open_invoice(w)
    portal_payment(w, invoice, "100.00")
    return fresh(invoice)


def paid_offline(w: World) -> Invoice:
    invoice = open_invoice(w)
    offline_payment(w, invoice, "100.00")
    return fresh(invoice)


def with_pending_portal_payment(amount: str) -> Callable[[World], Invoice]:
    def arrange(w: World) -> Invoice:
        invoice = open_invoice(w)
        assert portal_payment(w, invoice, amount, TIMES_OUT_ONCE).status == "pending"
        return fresh(invoice)

    return arrange


def with_failed_portal_payment(w: World) -> Invoice:
    invoice = open_invoice(w)
    assert portal_payment(w, invoice, "100.00", DECLINED).status == "failed"
    return fresh(invoice)


def offline_payment_reversed(w: World) -> Invoice:
    invoice = open_invoice(w)
    reversed_(offline_payment(w, invoice, "100.00"), w)
    return fresh(invoice)


def void_invoice(w: World) -> Invoice:
    invoice = open_invoice(w)
    return invoice_void(invoice_id=invoice.pk, actor=w.staff, reason="Sent in error.")


def succeeded_portal_payment(w: World) -> Payment:
    return portal_payment(w, open_invoice(w), "100.00")


def pending_portal_payment(w: World) -> Payment:
    return portal_payment(w, open_invoice(w), "100.00", TIMES_OUT_ONCE)


def succeeded_offline_payment(w: World) -> Payment:
    return offline_payment(w, open_invoice(w), "100.00")


def reversed_offline_payment(w: World) -> Payment:
    return reversed_(succeeded_offline_payment(w), w)


def succeeded_imported_payment(w: World) -> Payment:
    return ImportedPaymentFactory(invoice=open_invoice(w))


def reversed_imported_payment(w: World) -> Payment:
    return reversed_(succeeded_imported_payment(w), w)


def issue(w: World, invoice: Invoice) -> Invoice:
    return invoice_issue(invoice_id=invoice.pk, actor=w.staff)


def void(reason: str = "Billed to the wrong property.") -> Callable[[World, Model], object]:
    return lambda w, invoice: invoice_void(invoice_id=invoice.pk, actor=w.staff, reason=reason)


def record(amount: str, **changes: Any) -> Callable[[World, Model], object]:
    def act(w: World, invoice: Model) -> Payment:
        arguments: dict[str, Any] = {
            "invoice_id": invoice.pk,
            "amount": Decimal(amount),
            "means": Payment.Means.CHEQUE,
            "received_on": timezone.localdate(),
            "reference": "Cheque 1042",
            "recorded_by": w.staff,
        }
        return payment_record_offline(
            **arguments | {name: resolved(value, w) for name, value in changes.items()}
        )

    return act


def reverse(reason: str = "The cheque bounced.") -> Callable[[World, Model], object]:
    return lambda w, payment: payment_reverse(payment_id=payment.pk, reason=reason, actor=w.staff)


def newest_payment(invoice: Model) -> Model:
    return Payment.objects.filter(invoice_id=invoice.pk).latest("pk")


def recorded(status: str, paid: str, paid_at: object = None) -> Allowed:
    return Allowed(
        action="payment.recorded_offline",
        fields={"status": status, "amount_paid": Decimal(paid), "paid_at": paid_at},
        data={"means": "cheque", "reference": "Cheque 1042"},
        emails=1,  # the Billing contact's receipt
        target=newest_payment,
    )


REVERSED = Allowed(
    action="payment.reversed",
    fields={
        "status": Payment.Status.REVERSED,
        "reversed_by_id": staff_pk,
        "reversal_reason": "The cheque bounced.",
        "reversed_at": SET,
    },
    invoice={"status": Invoice.Status.OPEN, "amount_paid": Decimal(0), "paid_at": None},
    data={"amount": "100.00", "reason": "The cheque bounced."},
)


def voided(was: str) -> Allowed:
    return Allowed(
        action="invoice.voided",
        fields={"status": Invoice.Status.VOID, "amount_paid": Decimal(0), "paid_at": None},
        data={"was": was, "reason": "Billed to the wrong property."},
    )


INVOICE_CASES = [
    Case("invoice_issue", "draft", draft_invoice, issue, Allowed(
        "invoice.issued", {"status": Invoice.Status.OPEN, "amount_paid": Decimal(0)}
    )),
    Case("invoice_issue", "open", open_invoice, issue, Refusal("not a draft")),
    Case("invoice_issue", "partially_paid", partially_paid_offline, issue, Refusal("not a draft")),
    Case("invoice_issue", "paid", paid_in_portal, issue, Refusal("not a draft")),
    Case("invoice_issue", "void", void_invoice, issue, Refusal("not a draft")),

    Case("invoice_void", "draft", draft_invoice, void(), voided("draft")),
    Case("invoice_void", "open", open_invoice, void(), voided("open")),
    Case("invoice_void", "open_after_a_declined_card", with_failed_portal_payment, void(),
         voided("open")),
    Case("invoice_void", "open_after_its_offline_payment_was_reversed", offline_payment_reversed,
         void(), voided("open")),
    Case("invoice_void", "partially_paid_offline", partially_paid_offline, void(),
         Refusal("payments of 40.00 stand on it")),
    Case("invoice_void", "paid_in_the_portal", paid_in_portal, void(),
         Refusal("payments of 100.00 stand on it")),
    Case("invoice_void", "paid_offline", paid_offline, void(),
         Refusal("payments of 100.00 stand on it")),
    Case("invoice_void", "open_with_a_pending_payment", with_pending_portal_payment("100.00"),
         void(), Refusal("reverse or refund them first")),
    Case("invoice_void", "void", void_invoice, void(), Refusal("already void")),
    Case("invoice_void", "open_without_a_reason", open_invoice, void(" \n "), Refusal("Say why")),

    Case("payment_record_offline", "draft", draft_invoice, record("40.00"),
         Refusal("is a draft")),
    Case("payment_record_offline", "open_part", open_invoice, record("40.00"),
         recorded(Invoice.Status.PARTIALLY_PAID, "40.00")),
    Case("payment_record_offline", "open_in_full", open_invoice, record("100.00"),
         recorded(Invoice.Status.PAID, "100.00", SET)),
    Case("payment_record_offline", "partially_paid_the_rest", partially_paid_offline,
         record("60.00"), recorded(Invoice.Status.PAID, "100.00", SET)),
    Case("payment_record_offline", "paid", paid_in_portal, record("1.00"),
         Refusal("already paid in full")),
    Case("payment_record_offline", "void", void_invoice, record("1.00"),
         Refusal("nothing is owed")),
    Case("payment_record_offline", "open_over_the_balance", open_invoice, record("100.01"),
         Refusal("more than the 100.00 left to pay")),
    Case("payment_record_offline", "partially_paid_over_the_balance", partially_paid_offline,
         record("60.01"), Refusal("more than the 60.00 left to pay")),
    Case("payment_record_offline", "open_with_a_pending_payment_of_it_all",
         with_pending_portal_payment("100.00"), record("1.00"),
         Refusal("paid or being processed")),
    Case("payment_record_offline", "open_with_a_pending_payment_of_part",
         with_pending_portal_payment("60.00"), record("40.00"),
         recorded(Invoice.Status.PARTIALLY_PAID, "40.00")),
    Case("payment_record_offline", "open_received_tomorrow", open_invoice,
         record("40.00", received_on=lambda w: timezone.localdate() + dt.timedelta(days=1)),
         Refusal("can't be in the future")),
    Case("payment_record_offline", "open_by_unknown_means", open_invoice,
         record("40.00", means="barter"), Refusal("Choose how it was paid")),
    Case("payment_record_offline", "open_nothing", open_invoice, record("0.00"),
         Refusal("at least 0.01")),

    Case("payment_reverse", "portal_succeeded", succeeded_portal_payment, reverse(),
         Refusal("as a refund")),
    Case("payment_reverse", "portal_pending", pending_portal_payment, reverse(),
         Refusal("as a refund")),
    Case("payment_reverse", "offline_succeeded", succeeded_offline_payment, reverse(), REVERSED),
    Case("payment_reverse", "offline_reversed", reversed_offline_payment, reverse(),
         Refusal("already reversed")),
    Case("payment_reverse", "imported_succeeded", succeeded_imported_payment, reverse(),
         REVERSED),
    Case("payment_reverse", "imported_reversed", reversed_imported_payment, reverse(),
         Refusal("already reversed")),
    Case("payment_reverse", "offline_without_a_reason", succeeded_offline_payment,
         reverse(""), Refusal("Say why")),
]  # fmt: skip


# --- proposals ---------------------------------------------------------------


def draft_proposal(w: World) -> Proposal:
    return ProposalFactory(property=w.property, status=Proposal.Status.DRAFT, items=ITEMS)


def sent_proposal(w: World) -> Proposal:
    return ProposalFactory(property=w.property, emailed_at=timezone.now(), items=ITEMS)


def decided(w: World, proposal: Proposal, **changes: Any) -> Proposal:
    arguments: dict[str, Any] = {
        "proposal_id": proposal.pk,
        "approved": True,
        "via": Proposal.DecidedVia.PHONE,
        "contact_id": w.payer.pk,
        "decided_at": SPOKEN,
        "recorded_by": w.staff,
    }
    return proposal_record_decision(**arguments | changes)


def approved_proposal(w: World) -> Proposal:
    return decided(w, sent_proposal(w), via=Proposal.DecidedVia.PAPER, signer_name="A Arnold")


def declined_proposal(w: World) -> Proposal:
    return decided(w, sent_proposal(w), approved=False, reason="Too expensive this year.")


def declined_in_the_portal(w: World) -> Proposal:
    proposal = sent_proposal(w)
    return proposal_decline(
        proposal_id=proposal.pk, contact=w.payer, reason="We are moving.", ip="203.0.113.7"
    )


def withdrawn_proposal(w: World) -> Proposal:
    proposal = sent_proposal(w)
    return proposal_withdraw(proposal_id=proposal.pk, actor=w.staff, reason="Priced wrong.")


def send(w: World, proposal: Proposal) -> Proposal:
    return proposal_send(proposal_id=proposal.pk, actor=w.staff)


def withdraw(reason: str = "The price was wrong.") -> Callable[[World, Model], object]:
    return lambda w, p: proposal_withdraw(proposal_id=p.pk, actor=w.staff, reason=reason)


def reopen(reason: str = "They called back.") -> Callable[[World, Model], object]:
    return lambda w, p: proposal_reopen(proposal_id=p.pk, actor=w.staff, reason=reason)


def decide(**changes: Any) -> Callable[[World, Model], object]:
    def act(w: World, proposal: Model) -> Proposal:
        arguments = {name: resolved(value, w) for name, value in changes.items()}
        if arguments.get("approved", True):
            lime = ProposalItem.objects.get(proposal_id=proposal.pk, description="Lime")
            arguments.setdefault("chosen_item_ids", [lime.pk])
        else:
            arguments.setdefault("reason", "Not this year.")
        return decided(w, proposal, **arguments)  # type: ignore[arg-type]

    return act


def lime_chosen(w: World, proposal: Model, entry: AuditEntry) -> None:
    lime = ProposalItem.objects.get(proposal_id=proposal.pk, description="Lime")
    assert lime.chosen
    assert entry.data["chosen_item_ids"] == [lime.pk]
    assert entry.data["total"] == "125.00"


UNDECIDED = {
    "decided_via": "",
    "decided_at": None,
    "decided_by_id": None,
    "decided_from_ip": None,
    "decision_recorded_by_id": None,
    "decline_reason": "",
}


def approved_via(via: str) -> Allowed:
    staff = via != Proposal.DecidedVia.IMPORT
    return Allowed(
        action="proposal.approved",
        fields={
            "status": Proposal.Status.APPROVED,
            "decided_via": via,
            "decided_at": SPOKEN,
            "decided_by_id": payer_pk if staff else None,
            "decision_recorded_by_id": staff_pk if staff else None,
            "decided_from_ip": None,
            "decline_reason": "",
        },
        data={"via": via, "decided_at": SPOKEN.isoformat()},
        by_staff=staff,
        check=lime_chosen if staff else None,
    )


def declined_via(via: str, reason: str = "Not this year.") -> Allowed:
    staff = via != Proposal.DecidedVia.IMPORT
    return Allowed(
        action="proposal.declined",
        fields={
            "status": Proposal.Status.DECLINED,
            "decided_via": via,
            "decided_at": SPOKEN,
            "decided_by_id": payer_pk if staff else None,
            "decision_recorded_by_id": staff_pk if staff else None,
            "decline_reason": reason,
            "signer_name": "",
        },
        data={"via": via, "reason": reason},
        by_staff=staff,
    )


def previous_kept(**previous: Any) -> Callable[[World, Model, AuditEntry], None]:
    def check(w: World, proposal: Model, entry: AuditEntry) -> None:
        expected = {k: v(w) if callable(v) else v for k, v in previous.items()}
        assert {k: entry.data["previous"][k] for k in expected} == expected
        assert entry.data["reason"] == "They called back."

    return check


def reopened(**previous: Any) -> Allowed:
    return Allowed(
        action="proposal.reopened",
        fields={"status": Proposal.Status.SENT, **UNDECIDED},
        check=previous_kept(**previous),
    )


IMPORT = Proposal.DecidedVia.IMPORT
PROPOSAL_STATES = {
    "draft": draft_proposal,
    "sent": sent_proposal,
    "approved": approved_proposal,
    "declined": declined_proposal,
    "withdrawn": withdrawn_proposal,
}

PROPOSAL_CASES = [
    Case("proposal_send", "draft", draft_proposal, send,
         Allowed("proposal.sent", {"status": Proposal.Status.SENT})),
    *[
        Case("proposal_send", start, arrange, send, Refusal("can't be sent"))
        for start, arrange in PROPOSAL_STATES.items()
        if start != "draft"
    ],

    Case("proposal_withdraw", "draft", draft_proposal, withdraw(), Allowed(
        "proposal.withdrawn", {"status": Proposal.Status.WITHDRAWN},
        data={"was": "draft", "reason": "The price was wrong."},
    )),
    Case("proposal_withdraw", "sent", sent_proposal, withdraw(), Allowed(
        "proposal.withdrawn", {"status": Proposal.Status.WITHDRAWN},
        data={"was": "sent", "reason": "The price was wrong."},
    )),
    *[
        Case("proposal_withdraw", start, PROPOSAL_STATES[start], withdraw(),
             Refusal(f"is {start}, so it can't be withdrawn"))
        for start in ("approved", "declined", "withdrawn")
    ],
    Case("proposal_withdraw", "sent_without_a_reason", sent_proposal, withdraw(""),
         Refusal("Say why")),

    Case("proposal_reopen", "declined_by_phone", declined_proposal, reopen(), reopened(
        was="declined", decided_via="phone", decided_at=SPOKEN.isoformat(),
        decided_by=payer_pk, decision_recorded_by=staff_pk,
        decline_reason="Too expensive this year.",
    )),
    Case("proposal_reopen", "declined_in_the_portal", declined_in_the_portal, reopen(),
         reopened(was="declined", decided_via="portal", decided_by=payer_pk,
                  decided_from_ip="203.0.113.7", decision_recorded_by=None,
                  decline_reason="We are moving.")),
    Case("proposal_reopen", "withdrawn", withdrawn_proposal, reopen(),
         reopened(was="withdrawn", decided_via="", decided_at=None, decided_by=None)),
    Case("proposal_reopen", "draft", draft_proposal, reopen(), Refusal("can't be reopened")),
    Case("proposal_reopen", "sent", sent_proposal, reopen(), Refusal("can't be reopened")),
    Case("proposal_reopen", "approved", approved_proposal, reopen(),
         Refusal("never reopened")),
    Case("proposal_reopen", "declined_without_a_reason", declined_proposal, reopen("  "),
         Refusal("Say why")),

    *[
        Case("proposal_record_decision", f"sent_approved_{via}", sent_proposal,
             decide(via=via), approved_via(via))
        for via in Proposal.STAFF_CHANNELS
    ],
    Case("proposal_record_decision", "sent_approved_by_the_import", sent_proposal,
         decide(via=IMPORT, recorded_by=None, contact_id=None, chosen_item_ids=()),
         approved_via(IMPORT)),
    *[
        Case("proposal_record_decision", f"sent_declined_{via}", sent_proposal,
             decide(approved=False, via=via), declined_via(via))
        for via in Proposal.STAFF_CHANNELS
    ],
    Case("proposal_record_decision", "sent_declined_by_the_import_without_a_reason",
         sent_proposal, decide(approved=False, via=IMPORT, recorded_by=None, contact_id=None,
                               reason=""), declined_via(IMPORT, reason="")),
    Case("proposal_record_decision", "sent_via_the_portal", sent_proposal,
         decide(via=Proposal.DecidedVia.PORTAL), Refusal("Say how the customer told you")),
    Case("proposal_record_decision", "sent_via_an_unknown_channel", sent_proposal,
         decide(via="fax"), Refusal("Say how the customer told you")),
    Case("proposal_record_decision", "sent_by_a_contact_not_on_the_property", sent_proposal,
         decide(contact_id=lambda w: w.stranger.pk), Refusal("Choose the contact of the property")),
    Case("proposal_record_decision", "sent_by_no_contact", sent_proposal,
         decide(contact_id=None), Refusal("Choose the contact of the property")),
    Case("proposal_record_decision", "sent_dated_in_the_future", sent_proposal,
         decide(decided_at=lambda w: timezone.now() + dt.timedelta(minutes=5)),
         Refusal("can't be dated in the future")),
    Case("proposal_record_decision", "sent_declined_without_a_reason", sent_proposal,
         decide(approved=False, reason=" "), Refusal("Say why the customer declined")),
    Case("proposal_record_decision", "sent_recorded_by_nobody", sent_proposal,
         decide(recorded_by=None), Refusal("recorded by staff")),
    *[
        Case("proposal_record_decision", start, PROPOSAL_STATES[start], decide(),
             Refusal("can't be approved or declined"))
        for start in ("draft", "approved", "declined", "withdrawn")
    ],
]  # fmt: skip


# --- requests ----------------------------------------------------------------


def open_issue(w: World) -> Issue:
    return IssueFactory(property=w.property)


def in_progress_issue(w: World) -> Issue:
    return request_start(issue_id=open_issue(w).pk, actor=w.staff)


def closed_issue(w: World) -> Issue:
    return request_close(issue_id=open_issue(w).pk, actor=w.staff)


def hidden_issue(w: World) -> Issue:
    return IssueFactory(property=w.property, include_client=False)


ISSUE_STATES = {"open": open_issue, "in_progress": in_progress_issue, "closed": closed_issue}


def start(w: World, issue: Issue) -> Issue:
    return request_start(issue_id=issue.pk, actor=w.staff)


def close(w: World, issue: Issue) -> Issue:
    return request_close(issue_id=issue.pk, actor=w.staff)


def reopen_request(w: World, issue: Issue) -> Issue:
    return request_reopen(issue_id=issue.pk, actor=w.staff)


def include(on: bool) -> Callable[[World, Model], object]:
    return lambda w, i: request_include_client(issue_id=i.pk, actor=w.staff, include=on)


def became(status: str, action: str, was: str, closed_at: object) -> Allowed:
    return Allowed(action, {"status": status, "closed_at": closed_at}, data={"was": was})


ISSUE_CASES = [
    Case("request_start", "open", open_issue, start,
         became(Issue.Status.IN_PROGRESS, "issue.started", "open", None)),
    Case("request_start", "in_progress", in_progress_issue, start,
         Refusal("is in progress, so it can't be started")),
    Case("request_start", "closed", closed_issue, start,
         Refusal("is closed, so it can't be started")),

    *[
        Case("request_close", state, ISSUE_STATES[state], close,
             became(Issue.Status.CLOSED, "issue.closed", state, SET))
        for state in ("open", "in_progress")
    ],
    Case("request_close", "closed", closed_issue, close, Refusal("can't be closed")),

    Case("request_reopen", "closed", closed_issue, reopen_request,
         became(Issue.Status.OPEN, "issue.reopened", "closed", None)),
    *[
        Case("request_reopen", state, ISSUE_STATES[state], reopen_request,
             Refusal("can't be reopened"))
        for state in ("open", "in_progress")
    ],

    Case("request_include_client_on", "off", hidden_issue, include(True),
         Allowed("issue.include_client_on", {"include_client": True})),
    Case("request_include_client_on", "on", open_issue, include(True),
         Refusal("already has Include Client checked")),
    Case("request_include_client_off", "on", open_issue, include(False),
         Allowed("issue.include_client_off", {"include_client": False})),
    Case("request_include_client_off", "off", hidden_issue, include(False),
         Refusal("already does not have Include Client checked")),
]  # fmt: skip

CASES = INVOICE_CASES + PROPOSAL_CASES + ISSUE_CASES


# --- the test ----------------------------------------------------------------

WATCHED: list[type[Model]] = [Invoice, Payment, Proposal, ProposalItem, Issue]


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every row a transition could touch, to tell that a refusal touched none."""
    return {
        model.__name__: [
            {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}
            for row in model._default_manager.order_by("pk").values()
        ]
        for model in WATCHED
    }


def test_every_transition_is_named_once():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_transition(world, case):
    obj = case.arrange(world)
    before = everything()
    entries = set(AuditEntry.objects.values_list("pk", flat=True))
    emails = OutgoingEmail.objects.count()

    if isinstance(case.expect, Refusal):
        with pytest.raises(Refused) as refused:
            case.act(world, obj)
        assert type(refused.value) is not Refused  # each service says which rule
        assert refused.value.message.strip()
        assert case.expect.says in refused.value.message
        assert everything() == before
        assert not AuditEntry.objects.exclude(pk__in=entries).exists()
        assert OutgoingEmail.objects.count() == emails
        return

    expect = case.expect
    case.act(world, obj)

    obj.refresh_from_db()
    for name, value in expect.fields.items():
        assert resolved(value, world) == getattr(obj, name), name
    if expect.invoice:
        invoice = Invoice.objects.get(pk=obj.invoice_id)  # type: ignore[attr-defined]
        for name, value in expect.invoice.items():
            assert resolved(value, world) == getattr(invoice, name), f"invoice.{name}"
    [entry] = AuditEntry.objects.exclude(pk__in=entries)
    target = expect.target(obj) if expect.target else obj
    assert (entry.action, entry.target_type.model_class(), entry.target_id) == (
        expect.action,
        type(target),
        str(target.pk),
    )
    assert entry.actor == (world.staff if expect.by_staff else None)
    for name, value in expect.data.items():
        assert entry.data[name] == resolved(value, world), f"data[{name!r}]"
    assert OutgoingEmail.objects.count() - emails == expect.emails
    if expect.check:
        expect.check(world, obj, entry)
