import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_record
from trellis.customers.models import Contact
from trellis.office.tests.forms import form_data
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    IssueFactory,
    PropertyFactory,
    ProposalFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def test_a_change_in_the_office_writes_an_audit_entry(office, staff, charlie):
    url = reverse("admin:customers_contact_change", args=[charlie.pk])
    data = form_data(office.get(url)) | {"email": "charlie.chen@example.com"}

    office.post(url, data)

    entry = AuditEntry.objects.get(action="contact.changed")
    assert entry.actor == staff
    assert entry.target_type == ContentType.objects.get_for_model(Contact)
    assert entry.target_id == str(charlie.pk)
    assert entry.target_repr == "Charlie Chen"
    assert entry.data == {"changes": [{"changed": {"fields": ["Email"]}}]}
    # An email change is also the contact's sign-in changing: recorded on its own.
    moved = AuditEntry.objects.get(action="contact.email_changed")
    assert moved.data == {"from": "charlie@example.com", "to": "charlie.chen@example.com"}


def test_adding_in_the_office_writes_a_created_entry(office, staff):
    url = reverse("admin:customers_contact_add")
    office.post(url, form_data(office.get(url)) | {"first_name": "Maria", "last_name": "Lopez"})

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_repr) == (
        "contact.created",
        staff,
        "Maria Lopez",
    )


def test_changes_to_a_propertys_roles_are_in_its_entry(office, charlie):
    prop = PropertyFactory(name="Oak Lodge")
    url = reverse("admin:customers_property_change", args=[prop.pk])
    data = form_data(office.get(url)) | {"roles-0-contact": charlie.pk, "roles-0-role": "primary"}

    office.post(url, data)

    entry = AuditEntry.objects.get()
    assert entry.action == "property.changed"
    assert entry.data["changes"] == [
        {"added": {"name": "property role", "object": "Charlie Chen — Primary of Oak Lodge"}}
    ]


@pytest.mark.parametrize(
    ("make", "button", "action"),
    [
        (lambda: InvoiceFactory(status="draft"), "billing_invoice_issue", "invoice.issued"),
        (lambda: ProposalFactory(status="draft"), "proposals_proposal_send", "proposal.sent"),
        (IssueFactory, "issues_issue_close", "issue.closed"),
    ],
)
def test_a_status_button_writes_its_services_entry_and_no_form_change(
    office, staff, make, button, action
):
    target = make()

    office.post(reverse(f"admin:{button}", args=[target.pk]))

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == (action, staff, str(target.pk))


def test_deleting_in_the_office_writes_a_deleted_entry(office, staff, charlie):
    office.post(reverse("admin:customers_contact_delete", args=[charlie.pk]), {"post": "yes"})

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == (
        "contact.deleted",
        staff,
        str(charlie.pk),
    )
    assert not Contact.objects.exists()


def test_deleting_several_at_once_writes_an_entry_for_each(office):
    contacts = ContactFactory.create_batch(2)

    office.post(
        reverse("admin:customers_contact_changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in contacts], "post": "yes"},
    )

    assert sorted(AuditEntry.objects.values_list("action", "target_id")) == sorted(
        ("contact.deleted", str(c.pk)) for c in contacts
    )
    assert not Contact.objects.exists()


def test_the_audit_log_cannot_be_added_to_changed_or_deleted_in_the_office(office, charlie):
    entry = audit_record(action="contact.changed", target=charlie)
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])

    assert office.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert office.post(change, {"action": "contact.deleted"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert office.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "contact.changed"


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("system", "import.finished"), ("customers", "portal.signed_in"), ("jane", "invoice.printed")],
)
def test_the_audit_log_is_filtered_by_actor(office, staff, alice, actor, expected):
    audit_record(action="import.finished")
    audit_record(action="portal.signed_in", actor=alice)
    audit_record(action="invoice.printed", actor=staff)
    value = str(staff.pk) if actor == "jane" else actor

    response = office.get(reverse("admin:audit_auditentry_changelist"), {"actor": value})

    assert [e.action for e in response.context["cl"].result_list] == [expected]


def test_the_audit_log_is_filtered_by_action(office, alice):
    audit_record(action="invoice.printed")
    audit_record(action="portal.signed_in", actor=alice)

    response = office.get(
        reverse("admin:audit_auditentry_changelist"), {"action": "portal.signed_in"}
    )

    [entry] = response.context["cl"].result_list
    assert entry.actor == alice


def test_setting_a_staff_members_password_is_recorded_without_the_password(office, staff):
    sam = StaffFactory()
    password = "a long new passphrase 42"

    office.post(
        reverse("admin:auth_user_password_change", args=[sam.pk]),
        {"password1": password, "password2": password, "usable_password": "true"},
    )

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == ("user.changed", staff, str(sam.pk))
    assert password not in json.dumps(entry.data)
