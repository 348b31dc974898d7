from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from trellis.accounts.invitations import (
    InviteRefused,
    contact_invite,
    contacts_invite,
    invitation_accept,
)
from trellis.accounts.models import AccessToken, User
from trellis.accounts.tokens import TokenInvalid
from trellis.mail.models import EmailTemplate, OutgoingEmail
from trellis.testing.factories import ContactFactory, CustomerAccountFactory, StaffFactory
from trellis.testing.mail import as_received, link_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(greenway):
    return greenway


def test_an_invitation_is_emailed_to_the_contact_on_behalf_of_the_staff_member(staff, company):
    contact = ContactFactory(first_name="Maria", email="maria@example.com")

    invitation = contact_invite(contact=contact, invited_by=staff)

    email = invitation.email
    assert email.kind == OutgoingEmail.Kind.INVITATION
    assert email.to_address == "maria@example.com"
    assert email.from_address == "Jane Smith via Greenway Landscaping <jane@greenway.example>"
    assert email.reply_to == "jane@greenway.example"
    assert email.contact == contact
    assert email.status == OutgoingEmail.Status.QUEUED
    assert "Hello Maria," in email.body_text
    assert "/invitation/" in link_in(email)
    assert invitation.sent_to == "maria@example.com"
    assert invitation.created_by == staff


def test_the_sender_falls_back_to_the_company_address_when_the_staff_domain_is_not_verified(
    company,
):
    outsider = StaffFactory(email="omar@gmail.example", first_name="Omar", last_name="Haddad")
    outsider.is_superuser = True
    outsider.save()

    invitation = contact_invite(contact=ContactFactory(), invited_by=outsider)

    assert invitation.email.from_address == (
        "Omar Haddad via Greenway Landscaping <portal@greenway.example>"
    )
    assert invitation.email.reply_to == "omar@gmail.example"


def test_the_invitation_uses_the_companys_template_with_its_fill_in_fields(staff, company):
    EmailTemplate.objects.update_or_create(
        kind="invitation",
        language="en",
        defaults={
            "subject": "{first_name}, your {company_name} account",
            "body": "Dear {first_name} {last_name}, from {inviter_name}: {invitation_link} "
            "(until {expires_on}). {unknown} stays.",
        },
    )
    contact = ContactFactory(first_name="Li", last_name="Wei")

    email = contact_invite(contact=contact, invited_by=staff).email

    assert email.subject == "Li, your Greenway Landscaping account"
    assert email.body_text.startswith("Dear Li Wei, from Jane Smith: http")
    assert "{unknown} stays." in email.body_text
    assert f'href="{link_in(email)}"' in as_received(email).html


def test_a_spanish_speaking_contact_gets_the_spanish_template(staff, company):
    contact = ContactFactory(first_name="José", language="es")
    email = contact_invite(contact=contact, invited_by=staff).email
    assert email.body_text.startswith("Hola José:")
    assert "le invitó" in email.subject


def test_an_invitation_expires_after_seven_days_by_default(staff, company):
    invitation = contact_invite(contact=ContactFactory(), invited_by=staff)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_the_lifetime_is_configurable(staff, company, settings):
    settings.INVITATION_LIFETIME_DAYS = 2
    invitation = contact_invite(contact=ContactFactory(), invited_by=staff)
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_a_new_invitation_revokes_the_earlier_ones(staff, company):
    contact = ContactFactory()
    first = contact_invite(contact=contact, invited_by=staff)
    contact_invite(contact=contact, invited_by=staff)
    first.refresh_from_db()
    assert first.state == AccessToken.State.REVOKED


def test_a_contact_without_email_is_refused(staff, company):
    with pytest.raises(InviteRefused) as refusal:
        contact_invite(
            contact=ContactFactory(first_name="David", last_name="K", email=""), invited_by=staff
        )
    assert refusal.value.code == InviteRefused.NO_EMAIL
    assert refusal.value.message == "David K has no email address."
    assert not AccessToken.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_a_contact_with_an_invalid_email_is_refused(staff, company):
    contact = ContactFactory(email="maria@@example")
    with pytest.raises(InviteRefused) as refusal:
        contact_invite(contact=contact, invited_by=staff)
    assert refusal.value.code == InviteRefused.INVALID_EMAIL
    assert "maria@@example" in refusal.value.message


def test_a_verified_contact_is_refused_with_the_advice_to_send_a_reset(staff, alice, company):
    with pytest.raises(InviteRefused) as refusal:
        contact_invite(contact=alice.contact, invited_by=staff)
    assert refusal.value.code == InviteRefused.ALREADY_VERIFIED
    assert "already has an account" in refusal.value.message
    assert "send a password reset instead" in refusal.value.message


def test_an_email_that_signs_in_to_another_contacts_account_is_refused(staff, alice, company):
    household = ContactFactory(email=alice.contact.email.upper())
    with pytest.raises(InviteRefused) as refusal:
        contact_invite(contact=household, invited_by=staff)
    assert refusal.value.code == InviteRefused.EMAIL_TAKEN


def test_a_staff_email_cannot_be_used_for_a_customer_account(staff, company):
    with pytest.raises(InviteRefused) as refusal:
        contact_invite(contact=ContactFactory(email=staff.email), invited_by=staff)
    assert refusal.value.code == InviteRefused.EMAIL_TAKEN


def test_only_staff_with_the_invite_permission_may_invite(company):
    clerk = StaffFactory()
    with pytest.raises(PermissionDenied):
        contact_invite(contact=ContactFactory(), invited_by=clerk)


def test_a_bulk_invitation_invites_the_good_ones_and_explains_each_refusal(staff, alice, company):
    good = ContactFactory.create_batch(2)
    no_email = ContactFactory(email="")

    outcomes = contacts_invite(
        contacts=[good[0], alice.contact, no_email, good[1]], invited_by=staff
    )

    assert [o.invitation is not None for o in outcomes] == [True, False, False, True]
    assert [o.refusal.code for o in outcomes if o.refusal] == [
        InviteRefused.ALREADY_VERIFIED,
        InviteRefused.NO_EMAIL,
    ]
    assert OutgoingEmail.objects.count() == 2


def raw_token_of(invitation):
    return link_in(invitation.email).rstrip("/").rsplit("/", 1)[1]


def test_accepting_makes_the_contact_verified_with_the_names_given(staff, company):
    contact = ContactFactory(first_name="Mria", last_name="Lopez")
    invitation = contact_invite(contact=contact, invited_by=staff)

    user = invitation_accept(
        raw_token=raw_token_of(invitation),
        first_name="María",
        last_name="López",
        password="a long new password",
    )

    contact.refresh_from_db()
    assert contact.portal_account == user
    assert (contact.first_name, contact.last_name) == ("María", "López")
    assert user.check_password("a long new password")
    assert user.email is None and not user.is_staff
    assert abs(user.date_joined - timezone.now()) < timedelta(minutes=1)


def test_an_invitation_cannot_be_accepted_twice(staff, company):
    invitation = contact_invite(contact=ContactFactory(), invited_by=staff)
    raw = raw_token_of(invitation)
    invitation_accept(
        raw_token=raw, first_name="Ann", last_name="Lee", password="a long new password"
    )
    with pytest.raises(TokenInvalid):
        invitation_accept(
            raw_token=raw, first_name="Ann", last_name="Lee", password="another password"
        )
    assert User.objects.filter(contact__isnull=False).count() == 1


def test_a_verified_contact_cannot_be_invited_again_after_accepting(staff, company):
    contact = ContactFactory()
    invitation = contact_invite(contact=contact, invited_by=staff)
    invitation_accept(
        raw_token=raw_token_of(invitation),
        first_name="Ann",
        last_name="Lee",
        password="a long new password",
    )
    with pytest.raises(InviteRefused):
        contact_invite(contact=contact, invited_by=staff)


def test_an_existing_customer_account_does_not_block_inviting_someone_else(staff, company):
    CustomerAccountFactory()
    contact_invite(contact=ContactFactory(), invited_by=staff)
