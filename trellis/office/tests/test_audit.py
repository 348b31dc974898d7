"""The audit trail: what staff do on the office's pages is recorded by the
services those pages call, and the log itself is raw data for superusers, to
read and filter, never to change.

Each area's own tests show its pages' entries too: contacts
(test_contact_form.py, test_contact_buttons.py), properties
(test_property_form.py), proposals and invoices (test_document_buttons.py),
requests (test_request_add.py, test_status_actions_issues.py,
test_request_page.py), email (test_email_retry.py), settings
(test_settings_pages.py) and staff (test_staff_pages.py)."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_record
from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_add
from trellis.testing.factories import (
    DEFAULT_PASSWORD,
    InvoiceFactory,
    IssueFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

LOG = reverse("admin:audit_auditentry_changelist")


@pytest.fixture
def superuser(client, staff):
    """Jane, a superuser, reading the raw data in Django's admin."""
    assert staff.is_superuser
    client.force_login(staff)
    return client


def test_a_contact_changed_in_the_office_writes_an_audit_entry(office, staff, charlie):
    details = {
        "first_name": charlie.first_name,
        "last_name": charlie.last_name,
        "email": "charlie.chen@example.com",
        "phone": charlie.phone,
        "company_name": charlie.company_name,
        "language": charlie.language,
        "external_id": charlie.external_id,
    }

    office.post(reverse("office:contact-edit", kwargs={"contact_id": charlie.pk}), details)

    entry = AuditEntry.objects.get(action="contact.changed")
    assert entry.actor == staff
    assert entry.target_type == ContentType.objects.get_for_model(Contact)
    assert entry.target_id == str(charlie.pk)
    assert entry.target_repr == "Charlie Chen"
    assert entry.data == {"changes": [{"changed": {"fields": ["Email"]}}]}
    # An email change is also the contact's sign-in changing: recorded on its own.
    moved = AuditEntry.objects.get(action="contact.email_changed")
    assert moved.data == {"from": "charlie@example.com", "to": "charlie.chen@example.com"}


@pytest.mark.parametrize(
    ("make", "button", "argument", "action"),
    [
        (lambda: InvoiceFactory(status="draft"), "invoice-issue", "invoice_id", "invoice.issued"),
        (lambda: ProposalFactory(status="draft"), "proposal-send", "proposal_id", "proposal.sent"),
        (IssueFactory, "request-close", "request_id", "issue.closed"),
    ],
)
def test_a_status_button_writes_its_services_entry_and_nothing_else(
    office, staff, make, button, argument, action
):
    target = make()

    office.post(reverse(f"office:{button}", kwargs={argument: target.pk}))

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == (action, staff, str(target.pk))


def test_marking_an_inbox_item_done_in_the_office_is_audited(office, staff):
    item = inbox_item_add(kind=InboxItem.Kind.PAYMENT_RECEIVED, data={"amount": "10.00"})

    office.post(reverse("office:inbox-mark"), {"item": item.pk, "done": "1"})

    entry = AuditEntry.objects.get(action="inbox.item_done")
    assert (entry.actor, entry.target_id) == (staff, str(item.pk))


def test_changing_ones_own_password_is_recorded_without_the_password(office, staff):
    password = "a long new passphrase 42"

    office.post(
        reverse("office:password-change"),
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": password,
            "new_password_again": password,
        },
    )

    entry = AuditEntry.objects.get(action="account.password_changed")
    assert (entry.actor, entry.target_id) == (staff, str(staff.pk))
    assert password not in json.dumps(entry.data)
    assert DEFAULT_PASSWORD not in json.dumps(entry.data)


# The log, as raw data --------------------------------------------------------------


def test_the_audit_log_cannot_be_added_to_changed_or_deleted_even_by_a_superuser(
    superuser, charlie
):
    entry = audit_record(action="contact.changed", target=charlie)
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])

    assert superuser.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert superuser.post(change, {"action": "contact.deleted"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert superuser.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "contact.changed"


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("system", "import.finished"), ("customers", "portal.signed_in"), ("jane", "invoice.printed")],
)
def test_the_audit_log_is_filtered_by_actor(superuser, staff, alice, actor, expected):
    audit_record(action="import.finished")
    audit_record(action="portal.signed_in", actor=alice)
    audit_record(action="invoice.printed", actor=staff)
    value = str(staff.pk) if actor == "jane" else actor

    response = superuser.get(LOG, {"actor": value})

    assert [e.action for e in response.context["cl"].result_list] == [expected]


def test_the_audit_log_is_filtered_by_action(superuser, alice):
    audit_record(action="invoice.printed")
    audit_record(action="portal.signed_in", actor=alice)

    response = superuser.get(LOG, {"action": "portal.signed_in"})

    [entry] = response.context["cl"].result_list
    assert entry.actor == alice
