"""An inbox item for each event that needs a person, added by the event's own service."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from trellis.accounts.models import AccessToken
from trellis.accounts.passwords import password_reset_request
from trellis.accounts.profile import contact_change_email
from trellis.accounts.tokens import token_issue
from trellis.billing.models import Payment
from trellis.billing.payments import invoice_pay
from trellis.billing.tests.methods import DECLINED, due_invoice, key, saved_card
from trellis.company.models import Company
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_mark_done, inbox_sweep
from trellis.issues.services import request_comment, request_open
from trellis.mail.delivery import email_deliver_due
from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email
from trellis.proposals.models import Proposal
from trellis.proposals.status import proposal_record_decision
from trellis.testing.documents import property_of
from trellis.testing.factories import ContactFactory, ProposalFactory
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db

Kind = InboxItem.Kind
ITEMS = [
    {"description": "Aeration", "quantity": Decimal(2), "unit_price": Decimal("45.50")},
    {"description": "Overseeding", "unit_price": Decimal("80.00"), "optional": True},
    {"description": "Lime", "unit_price": Decimal("35.00"), "optional": True},
]


@pytest.fixture
def home(alice):
    return property_of(alice.contact, name="Arnold residence")


@pytest.fixture
def proposal(home):
    return ProposalFactory(
        property=home,
        number="PR-5001",
        status=Proposal.Status.SENT,
        emailed_at=timezone.now(),
        items=ITEMS,
    )


def only_item(kind):
    items = list(InboxItem.objects.filter(kind=kind))
    assert len(items) == 1, items
    return items[0]


def test_an_approval_in_the_portal_is_in_the_inbox_with_the_chosen_items(
    client, alice, home, proposal
):
    sign_in(client, alice.contact.email)
    lime = proposal.items.get(description="Lime").pk
    client.post(
        f"/proposals/{proposal.pk}/approve/",
        {"chosen": [lime], "signer_name": "Alice Arnold", "accept": "on"},
    )

    item = only_item(Kind.PROPOSAL_APPROVED)
    assert (item.proposal, item.property, item.contact) == (proposal, home, alice.contact)
    assert item.data["chosen"] == ["Lime"]
    assert item.data["not_chosen"] == ["Overseeding"]
    assert item.data["total"] == "126.00"
    assert item.done_at is None


def test_a_decline_in_the_portal_is_in_the_inbox_with_the_reason(client, alice, proposal):
    sign_in(client, alice.contact.email)
    client.post(f"/proposals/{proposal.pk}/decline/", {"reason": "We are moving in May."})

    assert only_item(Kind.PROPOSAL_DECLINED).data["reason"] == "We are moving in May."


def test_a_decision_staff_recorded_adds_nothing_to_the_inbox(alice, staff, proposal):
    # Staff heard it from the customer themselves: nobody else needs telling.
    proposal_record_decision(
        proposal_id=proposal.pk,
        approved=False,
        via=Proposal.DecidedVia.PHONE,
        contact_id=alice.contact.pk,
        decided_at=timezone.now(),
        recorded_by=staff,
        reason="Too dear",
    )

    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DECLINED
    assert not InboxItem.objects.exists()


def test_a_new_request_and_a_customers_comment_are_each_in_the_inbox(alice, home):
    issue = request_open(
        contact=alice.contact,
        property=home,
        subject="Broken sprinkler",
        description="By the gate.",
        photos=[],
    )
    comment = request_comment(contact=alice.contact, issue=issue, body="Still broken.", photos=[])

    opened = only_item(Kind.REQUEST_OPENED)
    commented = only_item(Kind.REQUEST_COMMENTED)
    assert (opened.issue, opened.property, opened.data["excerpt"]) == (issue, home, "By the gate.")
    assert (commented.issue, commented.comment, commented.data["excerpt"]) == (
        issue,
        comment,
        "Still broken.",
    )


def test_a_payment_received_and_a_payment_declined_are_each_in_the_inbox(
    alice, django_capture_on_commit_callbacks
):
    invoice = due_invoice(alice.contact)
    company = Company.load()
    for card, amount in ((DECLINED, "30.00"), (None, "40.00")):
        method = saved_card(alice.contact, card) if card else saved_card(alice.contact)
        with django_capture_on_commit_callbacks(execute=True):
            invoice_pay(
                invoice_id=invoice.pk,
                contact=alice.contact,
                company=company,
                method=method,
                amount=Decimal(amount),
                idempotency_key=key(),
            )

    failed, received = only_item(Kind.PAYMENT_FAILED), only_item(Kind.PAYMENT_RECEIVED)
    assert failed.payment.status == Payment.Status.FAILED
    assert (failed.invoice, failed.data["amount"]) == (invoice, "30.00")
    assert failed.data["reason"]
    assert (received.invoice, received.property, received.data["amount"]) == (
        invoice,
        invoice.property,
        "40.00",
    )


def test_an_email_given_up_on_is_in_the_inbox_and_one_still_retried_is_not(
    failing_email, settings, time_machine
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    email = queue_email()
    email_deliver_due()
    assert not InboxItem.objects.exists()  # it will be tried again

    time_machine.move_to(timezone.now() + dt.timedelta(days=1), tick=False)
    email_deliver_due()

    item = only_item(Kind.EMAIL_FAILED)
    assert (item.email, item.data["to"]) == (email, email.to_address)
    assert "Connection refused" in item.data["error"]


def test_a_staff_notification_that_fails_is_listed_but_emails_nobody(
    failing_email, settings, staff
):
    from trellis.inbox.services import notification_preferences_set

    notification_preferences_set(user=staff, deliveries={Kind.EMAIL_FAILED: "immediately"})
    settings.EMAIL_MAX_ATTEMPTS = 1
    queue_email(kind=OutgoingEmail.Kind.NOTIFICATION)
    before = OutgoingEmail.objects.count()

    email_deliver_due()

    assert only_item(Kind.EMAIL_FAILED)
    assert OutgoingEmail.objects.count() == before  # else a failing server loops forever


def test_a_reset_asked_for_an_old_address_is_one_item_with_both_addresses(alice):
    contact_change_email(contact=alice.contact, new_email="alice.new@example.com", changed_by=None)

    for _ in range(3):
        password_reset_request(email="Alice@Example.com", ip="203.0.113.9")

    item = only_item(Kind.SIGN_IN_TROUBLE)
    assert item.contact == alice.contact
    assert item.data == {
        "tried": "alice@example.com",
        "on_file": "alice.new@example.com",
        "why": "former_address",
    }


def test_a_new_reset_after_the_item_is_done_opens_a_new_one(alice, staff):
    contact_change_email(contact=alice.contact, new_email="alice.new@example.com", changed_by=None)
    password_reset_request(email="alice@example.com", ip=None)
    inbox_item_mark_done(item_id=InboxItem.objects.get().pk, by=staff)

    password_reset_request(email="alice@example.com", ip=None)

    assert InboxItem.objects.filter(kind=Kind.SIGN_IN_TROUBLE).count() == 2
    assert InboxItem.objects.filter(kind=Kind.SIGN_IN_TROUBLE, done_at=None).count() == 1


def test_a_reset_for_an_invited_contact_without_an_account_says_so(charlie):
    password_reset_request(email=charlie.email, ip=None)

    assert only_item(Kind.SIGN_IN_TROUBLE).data["why"] == "no_account"


def test_a_reset_for_an_address_nobody_has_and_a_working_one_add_nothing(alice):
    password_reset_request(email="nobody@example.com", ip=None)
    password_reset_request(email=alice.contact.email, ip=None)

    assert not InboxItem.objects.exists()


def test_the_sweep_adds_a_payment_pending_too_long_once(alice, settings):
    settings.INBOX_PAYMENT_PENDING_MINUTES = 30
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact)
    old, _recent = (
        Payment.objects.create(
            invoice=invoice,
            method=method,
            paid_by=alice.contact,
            amount=Decimal(10),
            idempotency_key=key(),
            created_at=timezone.now() - dt.timedelta(minutes=minutes),
        )
        for minutes in (31, 5)
    )

    assert inbox_sweep().payments_pending == 1
    assert inbox_sweep().payments_pending == 0

    item = only_item(Kind.PAYMENT_PENDING)
    assert (item.payment, item.invoice, item.data["amount"]) == (old, invoice, "10.00")


def test_the_sweep_adds_an_invitation_not_accepted_and_then_expired_once_each(
    charlie, settings, time_machine
):
    settings.INBOX_INVITATION_PENDING_DAYS = 3
    token, _ = token_issue(
        contact=charlie,
        purpose=AccessToken.Purpose.INVITATION,
        sent_to=charlie.email,
        lifetime=dt.timedelta(days=7),
    )
    assert inbox_sweep().total == 0

    time_machine.move_to(timezone.now() + dt.timedelta(days=4), tick=False)
    assert inbox_sweep().invitations_pending == 1
    time_machine.move_to(timezone.now() + dt.timedelta(days=4), tick=False)
    assert inbox_sweep().invitations_expired == 1
    assert inbox_sweep().total == 0

    assert only_item(Kind.INVITATION_PENDING).access_token == token
    assert only_item(Kind.INVITATION_EXPIRED).data["sent_to"] == charlie.email


def test_an_invitation_accepted_or_replaced_is_never_brought_up(alice, settings, time_machine):
    other = ContactFactory()
    first, _ = token_issue(
        contact=other,
        purpose=AccessToken.Purpose.INVITATION,
        sent_to=other.email,
        lifetime=dt.timedelta(days=7),
    )
    token_issue(  # a new invitation replaces the first; and Alice has her account
        contact=other,
        purpose=AccessToken.Purpose.INVITATION,
        sent_to=other.email,
        lifetime=dt.timedelta(days=30),
    )
    token_issue(
        contact=alice.contact,
        purpose=AccessToken.Purpose.INVITATION,
        sent_to=alice.contact.email,
        lifetime=dt.timedelta(days=7),
    )
    time_machine.move_to(timezone.now() + dt.timedelta(days=8), tick=False)

    inbox_sweep()

    assert not InboxItem.objects.filter(access_token=first).exists()
    assert not InboxItem.objects.filter(contact=alice.contact).exists()
    assert InboxItem.objects.filter(kind=Kind.INVITATION_PENDING).count() == 1
