"""An import never silently undoes Trellis (DESIGN.md, "Who owns each fact"):
the file's value is written only where Trellis still has what the last import
said; everything else Trellis changed stays, and the import says so."""

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from trellis.accounts.profile import contact_change_email
from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.billing.recorded_payments import payment_record_offline, payment_reverse
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.services import property_set_roles
from trellis.imports.services import ImportRejected, import_document
from trellis.issues.models import Issue
from trellis.issues.services import request_include_client, request_reopen
from trellis.proposals.models import Proposal
from trellis.proposals.services import proposal_approve, proposal_decline
from trellis.proposals.status import proposal_withdraw
from trellis.testing.factories import ContactFactory, StaffFactory

pytestmark = pytest.mark.django_db


def kept_lines(result):
    return [kept.line for kept in result.kept]


def again(document, change=None):
    """Import the document again, after `change` edits a copy of it."""
    edited = copy.deepcopy(document)
    if change is not None:
        change(edited)
    return import_document(data=edited)


def test_importing_the_same_file_again_changes_nothing_and_keeps_nothing(document):
    import_document(data=document)
    entries = AuditEntry.objects.exclude(action="import.completed").count()

    result = again(document)

    assert result.kept == []
    assert AuditEntry.objects.exclude(action="import.completed").count() == entries


def test_importing_the_same_file_again_writes_no_row(document):
    import_document(data=document)
    models = (Contact, Property, Proposal, Invoice, Payment, Issue)
    before = {model: list(model.objects.order_by("pk").values()) for model in models}

    again(document)

    assert {model: list(model.objects.order_by("pk").values()) for model in models} == before


def test_a_field_the_file_changed_and_trellis_did_not_is_written(document):
    import_document(data=document)

    def rename(doc):
        doc["contacts"][1]["phone"] = "555-0199"

    result = again(document, rename)

    assert Contact.objects.get(external_id="C-2").phone == "555-0199"
    assert result.kept == []


def test_a_field_trellis_changed_stays_and_the_import_says_so(document):
    import_document(data=document)
    Contact.objects.filter(external_id="C-2").update(phone="555-0123")

    result = again(document)

    assert Contact.objects.get(external_id="C-2").phone == "555-0123"
    assert kept_lines(result) == [
        'contacts[1] (external_id "C-2"): phone: kept "555-0123" '
        '(changed in Trellis since the last import); the file has "".'
    ]


def test_when_both_changed_trellis_still_wins_and_the_line_says_both_changed(document):
    import_document(data=document)
    Contact.objects.filter(external_id="C-2").update(phone="555-0123")

    def change(doc):
        doc["contacts"][1]["phone"] = "555-0456"

    result = again(document, change)

    assert Contact.objects.get(external_id="C-2").phone == "555-0123"
    assert "and in the file" in kept_lines(result)[0]


def test_a_record_no_import_wrote_keeps_what_trellis_has(document):
    ContactFactory(external_id="C-2", first_name="Thomas", last_name="O'Brien", email="")

    result = import_document(data=document)

    assert Contact.objects.get(external_id="C-2").first_name == "Thomas"
    assert (
        'first_name: kept "Thomas" (no earlier import of it is recorded)' in (kept_lines(result)[0])
    )


def test_a_customers_new_email_survives_the_import():
    file = {"contacts": [{"external_id": "C-7", "first_name": "Ann", "email": "ann@example.com"}]}
    import_document(data=file)
    contact = Contact.objects.get(external_id="C-7")
    contact_change_email(contact=contact, new_email="ann.new@example.com", changed_by=None)

    result = import_document(data=file)

    contact.refresh_from_db()
    assert contact.email == "ann.new@example.com"
    assert [k.field for k in result.kept] == ["email"]


def test_roles_staff_changed_in_the_office_are_kept(document):
    import_document(data=document)
    prop = Property.objects.get(external_id="P-2")
    property_set_roles(property=prop, roles=[(Contact.objects.get(external_id="C-1"), "primary")])

    result = again(document)

    assert list(PropertyContact.objects.filter(property=prop).values_list("role", flat=True)) == [
        "primary"
    ]
    assert [k.field for k in result.kept] == ["contacts"]


# --- money ------------------------------------------------------------------


def test_amount_paid_in_an_old_file_becomes_one_imported_payment(document):
    import_document(data=document)
    again(document)

    payment = Payment.objects.get(invoice__number="INV-2")
    assert (payment.source, payment.amount, payment.external_id) == (
        Payment.Source.IMPORTED,
        Decimal("40.00"),
        "I-2/amount_paid",
    )
    invoice = Invoice.objects.get(number="INV-3")
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("100.00"))


def test_a_changed_amount_paid_changes_the_imported_payment(document):
    import_document(data=document)

    def more(doc):
        doc["invoices"][1]["amount_paid"] = "100.00"

    again(document, more)

    invoice = Invoice.objects.get(number="INV-2")
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("100.00"))
    assert invoice.payments.count() == 1


def test_payments_are_records_matched_by_their_own_external_id(document):
    document["invoices"][0]["payments"] = [
        {"external_id": "PAY-1", "amount": "50.00", "received_on": "2026-10-05", "means": "cheque"},
        {"external_id": "PAY-2", "amount": "20.00", "received_on": "2026-10-06"},
    ]
    import_document(data=document)

    def change(doc):
        doc["invoices"][0]["payments"][1]["amount"] = "25.00"
        doc["invoices"][0]["payments"][1]["reference"] = "BT-77"

    result = again(document, change)

    invoice = Invoice.objects.get(number="INV-1")
    assert invoice.amount_paid == Decimal("75.00")
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert Payment.objects.get(external_id="PAY-2").reference == "BT-77"
    assert result.counts["payments"] == {"created": 0, "updated": 4}  # 2 here, 2 amount_paid


def test_a_payment_made_in_trellis_is_never_undone_and_the_import_says_so(document):
    import_document(data=document)
    staff = StaffFactory()
    invoice = Invoice.objects.get(number="INV-1")
    payment_record_offline(
        invoice_id=invoice.pk,
        amount=invoice.total,
        means=Payment.Means.CHEQUE,
        received_on=timezone.localdate(),
        reference="1042",
        recorded_by=staff,
    )

    result = again(document)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert kept_lines(result) == [
        f'invoices[0] (external_id "I-1"): payments: kept "{invoice.total} in 1 payment" '
        "(recorded by staff; money received is never undone by an import); "
        'the file has "none".'
    ]


def test_an_imported_payment_that_would_overpay_is_not_recorded_and_is_reported(document):
    import_document(data=document)
    invoice = Invoice.objects.get(number="INV-2")  # 100.00, 40.00 imported
    payment_record_offline(
        invoice_id=invoice.pk,
        amount=Decimal("60.00"),
        means=Payment.Means.CASH,
        received_on=timezone.localdate(),
        reference="",
        recorded_by=StaffFactory(),
    )

    def more(doc):
        doc["invoices"][1]["amount_paid"] = "100.00"

    result = again(document, more)

    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.status) == (Decimal("100.00"), Invoice.Status.PAID)
    assert Payment.objects.get(external_id="I-2/amount_paid").amount == Decimal("40.00")
    lines = kept_lines(result)
    assert lines[0].startswith('invoices[1] (external_id "I-2"): amount_paid: amount: kept "40"')
    assert "100.00 is more than the 40.00 left to pay on Invoice INV-2" in lines[0]


def test_a_payment_staff_reversed_stays_reversed(document):
    import_document(data=document)
    payment = Payment.objects.get(external_id="I-2/amount_paid")
    payment_reverse(payment_id=payment.pk, reason="Entered twice", actor=StaffFactory())

    def more(doc):
        doc["invoices"][1]["amount_paid"] = "45.00"

    result = again(document, more)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REVERSED
    assert Invoice.objects.get(number="INV-2").amount_paid == 0
    assert "reversed in Trellis" in kept_lines(result)[0]


def test_the_old_double_charge_cannot_happen_the_invoice_stays_paid(document):
    """Measured before: a re-import set a portal-paid invoice back to open with
    nothing paid, and the customer could pay it again."""
    import_document(data=document)
    invoice = Invoice.objects.get(number="INV-1")
    Payment.objects.create(
        invoice=invoice,
        amount=invoice.total,
        status=Payment.Status.SUCCEEDED,
        idempotency_key="portal-1",
        completed_at=timezone.now(),
    )
    from trellis.billing.ledger import invoice_settle

    invoice_settle(invoice=invoice)

    again(document)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.PAID, Decimal(0))


# --- decisions and statuses ---------------------------------------------------


def test_a_proposal_the_customer_decided_keeps_its_decision_items_and_status(document):
    import_document(data=document)
    maria = Contact.objects.get(external_id="C-1")
    proposal = Proposal.objects.get(number="PR-1001")
    aeration = proposal.items.get(description="Aeration")
    proposal_approve(
        proposal_id=proposal.pk,
        contact=maria,
        signer_name="María López",
        signature_png=None,
        chosen_item_ids={aeration.pk},
        ip="203.0.113.9",
    )

    def change(doc):
        doc["proposals"][0]["items"][0]["unit_price"] = "55.00"
        doc["proposals"][0]["title"] = "Spring clean-up, revised"

    result = again(document, change)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.signer_name) == (Proposal.Status.APPROVED, "María López")
    assert proposal.title == "Spring clean-up"
    assert proposal.items.get(description="Aeration").chosen
    assert proposal.items.get(description="Bed edging").unit_price == Decimal("45.00")
    fields = {kept.field: kept.reason for kept in result.kept}
    assert set(fields) == {"status", "items", "title"}
    assert fields["status"].startswith("approved in the portal by María López on ")
    assert fields["status"].endswith("the customer's decision is final")


def test_a_declined_proposal_stays_declined(document):
    import_document(data=document)
    proposal = Proposal.objects.get(number="PR-1001")
    proposal_decline(
        proposal_id=proposal.pk,
        contact=Contact.objects.get(external_id="C-1"),
        reason="Too much",
        ip=None,
    )

    again(document)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (Proposal.Status.DECLINED, "Too much")


def test_a_status_the_file_changes_goes_through_the_service_and_is_audited(document):
    import_document(data=document)

    def withdraw(doc):
        doc["proposals"][0]["status"] = "withdrawn"

    again(document, withdraw)

    proposal = Proposal.objects.get(number="PR-1001")
    assert proposal.status == Proposal.Status.WITHDRAWN
    entry = AuditEntry.objects.get(action="proposal.withdrawn")
    assert (entry.actor, entry.data["reason"]) == (None, "as the import file says")


def pay_in_full_offline(number):
    invoice = Invoice.objects.get(number=number)
    payment_record_offline(
        invoice_id=invoice.pk,
        amount=invoice.balance,
        means=Payment.Means.CHEQUE,
        received_on=timezone.localdate(),
        reference="1042",
        recorded_by=StaffFactory(),
    )
    invoice.refresh_from_db()
    return invoice


def test_a_status_change_the_rules_refuse_is_reported_and_tried_again_next_time(document):
    import_document(data=document)
    invoice = pay_in_full_offline("INV-1")

    def void(doc):
        doc["invoices"][0]["status"] = "void"

    first = again(document, void)
    second = again(document, void)

    assert Invoice.objects.get(number="INV-1").status == Invoice.Status.PAID
    for result in (first, second):
        [line] = [k for k in result.kept if k.field == "status"]
        assert f"can't be voided while payments of {invoice.total} stand on it" in line.reason


def test_a_proposal_staff_withdrew_is_not_sent_again_by_the_file(document):
    import_document(data=document)
    proposal = Proposal.objects.get(number="PR-1001")
    proposal_withdraw(proposal_id=proposal.pk, actor=StaffFactory(), reason="Price changed")

    result = again(document)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN
    assert [k.field for k in result.kept] == ["status"]


def test_a_request_the_file_closes_is_closed_by_the_service(document):
    import_document(data=document)

    def close(doc):
        doc["issues"][0]["status"] = "closed"

    again(document, close)

    issue = Issue.objects.get(external_id="IS-1")
    assert issue.status == Issue.Status.CLOSED
    assert issue.closed_at is not None
    assert AuditEntry.objects.filter(action="issue.closed", target_id=str(issue.pk)).exists()


def test_a_request_staff_reopened_and_include_client_they_switched_are_kept(document):
    import_document(data=document)
    issue = Issue.objects.get(external_id="IS-2")  # closed, Include Client off
    request_reopen(issue_id=issue.pk, actor=StaffFactory())
    request_include_client(issue_id=issue.pk, actor=StaffFactory(), include=True)

    result = again(document)

    issue.refresh_from_db()
    assert (issue.status, issue.closed_at, issue.include_client) == (Issue.Status.OPEN, None, True)
    assert sorted(k.field for k in result.kept) == ["include_client", "status"]


def test_lines_that_would_come_to_less_than_was_paid_are_kept(document):
    import_document(data=document)
    invoice = pay_in_full_offline("INV-1")

    def cheaper(doc):
        doc["invoices"][0]["lines"][1]["unit_price"] = "10"

    result = again(document, cheaper)

    assert Invoice.objects.get(number="INV-1").total == invoice.total
    [line] = [k for k in result.kept if k.field == "lines"]
    assert f"less than the {invoice.total} already paid" in line.reason


# --- what the file may say -------------------------------------------------------


def test_a_draft_that_was_printed_or_emailed_is_refused(document):
    document["invoices"][3]["emailed_at"] = "2026-11-20T10:00:00Z"
    document["proposals"][0]["status"] = "draft"

    with pytest.raises(ImportRejected) as rejected:
        import_document(data=document)

    assert rejected.value.problems == [
        'proposals[0] (external_id "PR-1"): status: a draft can\'t have been printed or '
        "emailed, but this one has printed_at: give its status (sent, open, …) or leave "
        "printed_at and emailed_at out.",
        'invoices[3] (external_id "I-4"): status: a draft can\'t have been printed or '
        "emailed, but this one has emailed_at: give its status (sent, open, …) or leave "
        "printed_at and emailed_at out.",
    ]


def test_amount_paid_and_payments_together_are_refused(document):
    document["invoices"][1]["payments"] = [
        {"external_id": "PAY-1", "amount": "10.00", "received_on": "2026-11-02"}
    ]

    with pytest.raises(ImportRejected) as rejected:
        import_document(data=document)

    assert rejected.value.problems == [
        'invoices[1] (external_id "I-2"): amount_paid: give the payments or amount_paid, not both.'
    ]


def test_payments_over_the_total_are_refused(document):
    document["invoices"][3]["status"] = "open"
    document["invoices"][3]["payments"] = [
        {"external_id": "PAY-1", "amount": "60.00", "received_on": "2026-11-21"},
        {"external_id": "PAY-2", "amount": "10.00", "received_on": "2026-11-22"},
    ]

    with pytest.raises(ImportRejected) as rejected:
        import_document(data=document)

    assert rejected.value.problems == [
        'invoices[3] (external_id "I-4"): payments: they add up to 70.00, more than the '
        "invoice total, 65.00."
    ]


def test_the_command_prints_each_kept_field_and_a_count(document, write_json, capsys):
    path = write_json(document)
    call_command("import", str(path))
    Contact.objects.filter(external_id="C-2").update(phone="555-0123")
    Issue.objects.filter(external_id="IS-1").update(
        status=Issue.Status.CLOSED, closed_at=timezone.now() - dt.timedelta(days=1)
    )
    capsys.readouterr()

    call_command("import", str(path))

    out = capsys.readouterr().out
    assert 'contacts[1] (external_id "C-2"): phone: kept "555-0123"' in out
    assert 'issues[0] (external_id "IS-1"): status: kept "closed"' in out
    assert "Kept 2 fields as Trellis has them" in out
