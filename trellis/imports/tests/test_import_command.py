import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def run_import(path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(path):
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import", str(path), stdout=io.StringIO(), stderr=err)
    return excinfo.value, err.getvalue().splitlines()


def roles_of(external_id):
    return sorted(
        (pc.contact.external_id, pc.role)
        for pc in PropertyContact.objects.filter(property__external_id=external_id)
    )


def test_a_good_file_imports_every_record_with_its_values(document, write_json):
    out, err = run_import(write_json(document))

    assert err == ""
    assert "contacts        3 created     0 updated" in out
    company = Company.load()
    assert company.name == "Greenway Landscaping"
    assert company.verified_sending_domains == ["greenway.example"]
    assert company.requests_enabled is False
    assert company.proposals_enabled is True

    maria = Contact.objects.get(external_id="C-1")
    assert (maria.first_name, maria.last_name, maria.email) == (
        "María",
        "López",
        "maria.lopez@example.com",
    )
    assert Contact.objects.get(external_id="C-2").email == ""
    assert roles_of("P-1") == [("C-1", "primary"), ("C-2", "billing"), ("C-3", "other")]
    assert roles_of("P-2") == [("C-3", "billing"), ("C-3", "primary")]
    assert Property.objects.get(external_id="P-1").address == "12 Elm St, Springfield, IL 62701"


def test_invoices_get_totals_and_statuses_computed_from_their_lines(document, write_json):
    run_import(write_json(document))

    invoices = {i.external_id: i for i in Invoice.objects.all()}
    first = invoices["I-1"]
    assert (first.subtotal, first.tax, first.total) == (
        Decimal("219.99"),
        Decimal("8.25"),
        Decimal("228.24"),
    )
    assert first.status == Invoice.Status.OPEN
    assert [line.description for line in first.lines.all()] == ["Mulch", "Labour"]
    assert first.emailed_at == dt.datetime(2026, 10, 1, 15, tzinfo=UTC)
    assert first.printed_at is None
    assert invoices["I-2"].status == Invoice.Status.PARTIALLY_PAID
    assert invoices["I-2"].balance == Decimal("60.00")
    assert invoices["I-3"].status == Invoice.Status.PAID
    assert invoices["I-4"].status == Invoice.Status.DRAFT
    assert invoices["I-5"].status == Invoice.Status.VOID
    assert invoices["I-5"].memo == "Billed twice by mistake."


def test_proposals_keep_their_items_in_order_with_optional_choices(document, write_json):
    run_import(write_json(document))

    proposal = Proposal.objects.get(external_id="PR-1")
    assert proposal.status == Proposal.Status.SENT
    assert proposal.valid_until == dt.date(2026, 12, 31)
    assert proposal.is_published
    items = [(i.description, i.quantity, i.optional, i.chosen) for i in proposal.items.all()]
    assert items == [
        ("Bed edging", Decimal(2), False, False),
        ("Mulch refresh", Decimal(1), True, True),
        ("Aeration", Decimal(1), True, False),
    ]
    assert proposal.total == Decimal("210.00")


def test_staff_are_created_without_a_usable_password_or_extra_permissions(document, write_json):
    run_import(write_json(document))

    omar = User.objects.get(email__iexact="omar.haddad@greenway.example")
    assert omar.is_staff
    assert not omar.is_superuser
    assert not omar.has_usable_password()
    assert (omar.first_name, omar.last_name) == ("Omar", "")


def test_issues_and_comments_keep_their_authors_visibility_and_times(document, write_json):
    run_import(write_json(document))

    issue = Issue.objects.get(external_id="IS-1")
    assert issue.include_client
    assert issue.created_by_contact.external_id == "C-1"
    assert issue.created_at == dt.datetime(2026, 11, 3, 13, 15, tzinfo=UTC)
    by_contact, by_staff = issue.comments.all()
    assert (by_contact.author_contact.external_id, by_contact.is_public) == ("C-1", True)
    assert (by_staff.author_user.email, by_staff.is_public) == (
        "jane.smith@greenway.example",
        False,
    )
    closed = Issue.objects.get(external_id="IS-2")
    assert closed.status == Issue.Status.CLOSED
    assert closed.closed_at is not None
    assert closed.created_by_user.first_name == "Omar"
    assert not closed.include_client


def test_a_time_without_an_offset_is_utc_whatever_the_time_zone_setting(
    document, write_json, settings
):
    settings.TIME_ZONE = "America/Chicago"
    run_import(write_json(document))

    assert Invoice.objects.get(external_id="I-3").printed_at == dt.datetime(
        2026, 11, 1, 9, tzinfo=UTC
    )


def test_an_import_records_one_audit_entry_with_its_counts(document, write_json):
    run_import(write_json(document))

    entry = AuditEntry.objects.get()
    assert entry.action == "import.completed"
    assert entry.actor is None
    assert entry.data["invoices"] == {"created": 5, "updated": 0}
    assert entry.data["comments"] == {"created": 2, "updated": 0}


def test_one_bad_record_among_good_ones_changes_nothing_and_names_the_record(
    document, write_json, snapshot
):
    document["contacts"][1]["email"] = "tom at example.com"
    before = snapshot()

    error, problems = rejected(write_json(document))

    assert problems == ['contacts[1] (external_id "C-2"): email: Enter a valid email address.']
    assert error.returncode == 1
    assert "Nothing was imported" in str(error)
    assert snapshot() == before


def test_a_rejected_file_leaves_data_already_imported_exactly_as_it_was(
    document, write_json, snapshot
):
    run_import(write_json(document))
    document["contacts"][0]["email"] = "maria@new.example"
    document["properties"][0]["contacts"].pop()
    document["contacts"].append({"external_id": "C-4", "first_name": "Li", "email": "li@example"})
    document["invoices"][1]["lines"][0]["unit_price"] = "1e3x"
    before = snapshot()

    _, problems = rejected(write_json(document, "second.json"))

    assert problems == [
        'contacts[3] (external_id "C-4"): email: Enter a valid email address.',
        'invoices[1] (external_id "I-2"): lines[0].unit_price: Enter a number.',
    ]
    assert snapshot() == before


def test_the_command_exits_with_status_1_and_prints_every_problem(
    document, write_json, capsys, monkeypatch
):
    # run_from_argv closes the database connections when it ends, which would
    # end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    document["properties"][0]["contacts"][0]["contact"] = "C-9999"
    document["invoices"][0]["due_on"] = "2026-09-30"
    path = write_json(document)

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["trellis", "import", "--skip-checks", str(path)])

    assert exit_.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        'properties[0] (external_id "P-1"): contacts[0].contact: '
        'no contact with external_id "C-9999" in the file or the database.',
        'invoices[0] (external_id "I-1"): due_on: must not be before issued_on (2026-10-01).',
        f"CommandError: Nothing was imported from {path}: 2 problems (listed above).",
    ]
    assert not Contact.objects.exists()


def test_importing_the_same_file_again_creates_nothing_and_updates_what_changed(
    document, write_json
):
    path = write_json(document)
    run_import(path)
    counts = {model: model.objects.count() for model in (Contact, Property, Invoice, Comment, User)}

    document["contacts"][0]["email"] = "maria@new.example"
    document["invoices"][1]["lines"][0]["unit_price"] = "40.00"
    out, _ = run_import(write_json(document))

    assert {model: model.objects.count() for model in counts} == counts
    assert "contacts        0 created     3 updated" in out
    assert "invoices        0 created     5 updated" in out
    assert Contact.objects.get(external_id="C-1").email == "maria@new.example"
    paid_in_full = Invoice.objects.get(external_id="I-2")
    assert (paid_in_full.total, paid_in_full.status) == (Decimal("40.00"), Invoice.Status.PAID)
    assert paid_in_full.lines.count() == 1
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "import.completed",
        "contact.email_changed",
        "import.completed",
    ]


def test_a_role_removed_from_the_file_is_removed_from_the_database(document, write_json):
    run_import(write_json(document))
    document["properties"][0]["contacts"] = [
        {"contact": "C-2", "role": "primary"},
        {"contact": "C-2", "role": "billing"},
    ]

    run_import(write_json(document))

    assert roles_of("P-1") == [("C-2", "billing"), ("C-2", "primary")]
    assert Contact.objects.filter(external_id="C-1").exists()


def test_invalid_json_is_a_one_line_error(write_json, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"contacts": [', encoding="utf-8")

    with pytest.raises(CommandError, match=r"broken.json is not valid JSON: .*line 1 column 15"):
        run_import(path)


def test_an_unreadable_file_is_a_one_line_error(tmp_path):
    with pytest.raises(
        CommandError, match=r"Cannot read .*missing.json: No such file or directory"
    ):
        run_import(tmp_path / "missing.json")


def test_a_repeated_key_is_refused_rather_than_silently_dropped(tmp_path):
    path = tmp_path / "twice.json"
    path.write_text('{"company": {"name": "A", "name": "B"}}', encoding="utf-8")

    with pytest.raises(CommandError, match='the key "name" appears twice'):
        run_import(path)
