"""request_assign (who looks after a request) and request_reply (the office's
reply, emailed to the customer when it is Public)."""

import pytest

from trellis.audit.models import AuditEntry
from trellis.customers.models import PropertyContact
from trellis.issues.models import Comment
from trellis.issues.services import RequestChangeRefused, request_assign, request_reply
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    IssueFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def test_a_request_is_assigned_to_a_staff_member_and_the_audit_says_so(staff):
    issue = IssueFactory()
    kevin = StaffFactory(first_name="Kevin")

    request_assign(issue_id=issue.pk, actor=staff, assignee=kevin)

    issue.refresh_from_db()
    assert issue.assignee == kevin
    entry = AuditEntry.objects.get(action="issue.assigned")
    assert entry.actor == staff
    assert entry.target_id == str(issue.pk)
    assert entry.data == {"assignee": kevin.pk, "was": None}


def test_a_request_is_unassigned_with_its_own_audit_entry(staff):
    kevin = StaffFactory()
    issue = IssueFactory(assignee=kevin)

    request_assign(issue_id=issue.pk, actor=staff, assignee=None)

    issue.refresh_from_db()
    assert issue.assignee is None
    assert AuditEntry.objects.get(action="issue.unassigned").data == {
        "assignee": None,
        "was": kevin.pk,
    }


def test_a_customer_or_an_inactive_staff_member_is_never_an_assignee(staff, alice):
    issue = IssueFactory()
    gone = StaffFactory(is_active=False)

    for nobody in (alice, gone):
        with pytest.raises(RequestChangeRefused):
            request_assign(issue_id=issue.pk, actor=staff, assignee=nobody)

    issue.refresh_from_db()
    assert issue.assignee is None
    assert not AuditEntry.objects.filter(action__startswith="issue.").exists()


def test_assigning_to_whoever_already_has_it_is_refused_in_words(staff):
    kevin = StaffFactory(first_name="Kevin", last_name="Kim")
    issue = IssueFactory(assignee=kevin, subject="Gate")

    with pytest.raises(RequestChangeRefused) as refused:
        request_assign(issue_id=issue.pk, actor=staff, assignee=kevin)

    assert refused.value.message == "“Gate” is already assigned to Kevin Kim."


@pytest.fixture
def maria_request(greenway):
    maria = CustomerAccountFactory(
        contact=ContactFactory(first_name="Maria", email="maria@example.com", language="es")
    )
    issue = IssueFactory(subject="Árbol caído")
    PropertyContactFactory(
        property=issue.property, contact=maria.contact, role=PropertyContact.Role.PRIMARY
    )
    return issue


def test_a_public_reply_emails_the_customer_in_their_language(staff, maria_request):
    reply = request_reply(issue=maria_request, author=staff, body="Vamos el martes.", public=True)

    assert reply.emailed == [maria_request.property.roles.get().contact]
    email = OutgoingEmail.objects.get()
    assert email.to_address == "maria@example.com"
    assert email.kind == OutgoingEmail.Kind.NOTIFICATION
    assert email.body_text.startswith("Hola, Maria:")
    assert "Vamos el martes." in email.body_text
    assert f"/requests/{maria_request.pk}/" in email.body_text
    assert "Árbol caído" in email.subject
    assert Comment.objects.get().is_public


def test_an_internal_note_emails_nobody(staff, maria_request):
    request_reply(issue=maria_request, author=staff, body="Check the valve.", public=False)

    assert not OutgoingEmail.objects.exists()
    assert not Comment.objects.get().is_public


def test_a_public_reply_emails_nobody_who_cannot_read_it(staff, maria_request):
    other = CustomerAccountFactory(contact=ContactFactory(email="other@example.com"))
    PropertyContactFactory(
        property=maria_request.property, contact=other.contact, role=PropertyContact.Role.OTHER
    )
    PropertyContactFactory(property=maria_request.property, role=PropertyContact.Role.BILLING)
    request_reply(issue=maria_request, author=staff, body="Tuesday.", public=True)
    assert list(OutgoingEmail.objects.values_list("to_address", flat=True)) == ["maria@example.com"]

    maria_request.include_client = False
    maria_request.save()
    request_reply(issue=maria_request, author=staff, body="Wednesday.", public=True)
    assert OutgoingEmail.objects.count() == 1
