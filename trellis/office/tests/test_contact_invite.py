import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

CONTACTS = reverse("admin:customers_contact_changelist")
INVITE_BUTTON = "Send Customer Portal invite"
RESET_BUTTON = "Send password reset"
SEES_NOTHING = (
    "Charlie Chen holds no Primary or Billing role on any property: "
    "they will see nothing in the portal until they do."
)


def page_url(contact):
    return reverse("admin:customers_contact_change", args=[contact.pk])


def invite_url(contact):
    return reverse("admin:customers_contact_invite", args=[contact.pk])


def reset_url(contact):
    return reverse("admin:customers_contact_password_reset", args=[contact.pk])


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def invitations(contact):
    return AccessToken.objects.filter(contact=contact, purpose=AccessToken.Purpose.INVITATION)


@pytest.fixture
def greenway(db):
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.sending_address = "portal@greenway-mail.example"
    company.save()
    return company


@pytest.fixture
def clerk(db):
    """Sam: staff who may read and edit contacts, but not invite them."""
    sam = StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")
    sam.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="customers", codename__in=["view_contact", "change_contact"]
        )
    )
    return sam


def test_staff_invite_a_contact_from_its_page(office, staff, charlie, greenway):
    PropertyContactFactory(contact=charlie, role=PropertyContact.Role.BILLING)
    assert INVITE_BUTTON in office.get(page_url(charlie)).text

    response = office.post(invite_url(charlie), follow=True)

    assert response.redirect_chain == [(page_url(charlie), 302)]
    assert shown_messages(response) == ["Invitation sent to charlie@example.com."]
    [invitation] = invitations(charlie)
    assert invitation.sent_to == "charlie@example.com"
    assert invitation.created_by == staff
    assert invitation.state == AccessToken.State.PENDING
    email = OutgoingEmail.objects.get(contact=charlie)
    assert invitation.email == email
    assert email.kind == OutgoingEmail.Kind.INVITATION
    assert email.to_address == "charlie@example.com"
    # Greenway has not verified its staff's domain: the company's address, Jane's name.
    assert (
        email.from_address == "Jane Smith via Greenway Landscaping <portal@greenway-mail.example>"
    )
    assert email.reply_to == "jane@greenway.example"


def test_an_invitation_comes_from_the_staff_members_address_once_its_domain_is_verified(
    office, charlie, greenway
):
    greenway.verified_sending_domains = ["greenway.example"]
    greenway.save()

    office.post(invite_url(charlie))

    email = OutgoingEmail.objects.get(contact=charlie)
    assert email.from_address == "Jane Smith via Greenway Landscaping <jane@greenway.example>"
    assert email.reply_to == "jane@greenway.example"


def test_the_invite_button_only_accepts_a_post(office, charlie):
    assert office.get(invite_url(charlie)).status_code == 405
    assert not invitations(charlie).exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Dana Diaz has no email address."),
        (
            "dana@",
            "Dana Diaz's email address, dana@, is not a valid email address.",
        ),
        (
            "ALICE@example.com",
            "ALICE@example.com already signs in to another account, so Dana Diaz "
            "cannot be invited with it.",
        ),
    ],
    ids=["no email", "invalid email", "email of another account"],
)
def test_a_contact_who_cannot_be_invited_is_refused_with_the_reason(office, alice, email, message):
    dana = ContactFactory(first_name="Dana", last_name="Diaz", email=email)

    page = office.get(page_url(dana))
    response = office.post(invite_url(dana), follow=True)

    assert escape(message) in page.text  # said before anyone tries
    assert INVITE_BUTTON not in page.text
    assert shown_messages(response) == [message]
    assert not invitations(dana).exists()
    assert not OutgoingEmail.objects.filter(contact=dana).exists()


def test_a_verified_contact_is_offered_a_password_reset_instead_of_an_invitation(office, alice):
    contact = alice.contact

    response = office.post(invite_url(contact), follow=True)

    assert shown_messages(response) == [
        "Alice Arnold already has an account (Customer Portal Verified) — "
        "send a password reset instead."
    ]
    assert RESET_BUTTON in response.text
    assert f'action="{reset_url(contact)}"' in response.text
    assert INVITE_BUTTON not in response.text
    assert not invitations(contact).exists()
    assert not OutgoingEmail.objects.filter(contact=contact).exists()


def test_the_password_reset_button_emails_a_link_to_the_contacts_stored_email(office, staff, alice):
    contact = alice.contact

    response = office.post(reset_url(contact), follow=True)

    assert shown_messages(response) == ["Password reset link sent to alice@example.com."]
    token = AccessToken.objects.get(contact=contact)
    assert token.purpose == AccessToken.Purpose.PASSWORD_RESET
    assert token.created_by == staff
    email = OutgoingEmail.objects.get(contact=contact)
    assert email.kind == OutgoingEmail.Kind.PASSWORD_RESET
    assert email.to_address == "alice@example.com"


def test_a_password_reset_is_refused_for_a_contact_without_an_account(office, charlie):
    response = office.post(reset_url(charlie), follow=True)

    assert shown_messages(response) == [
        "Charlie Chen has no portal account yet: send an invitation instead."
    ]
    assert not AccessToken.objects.filter(contact=charlie).exists()
    assert RESET_BUTTON not in response.text


def test_a_password_reset_is_refused_for_a_deactivated_account(office, alice):
    alice.is_active = False
    alice.save()

    response = office.post(reset_url(alice.contact), follow=True)

    assert "deactivated" in shown_messages(response)[0]
    assert not AccessToken.objects.filter(contact=alice.contact).exists()


def test_staff_without_the_invite_permission_see_no_button_and_cannot_invite(
    client, clerk, charlie, alice
):
    client.force_login(clerk)

    page = client.get(page_url(charlie))
    assert page.status_code == 200
    assert INVITE_BUTTON not in page.text
    assert RESET_BUTTON not in client.get(page_url(alice.contact)).text

    assert client.post(invite_url(charlie)).status_code == 403
    assert client.post(reset_url(alice.contact)).status_code == 403
    assert not AccessToken.objects.exists()
    assert not OutgoingEmail.objects.exists()


def offered_actions(client):
    action_form = client.get(CONTACTS).context["action_form"]
    return [] if action_form is None else [name for name, _ in action_form.fields["action"].choices]


def test_the_bulk_invite_action_is_offered_only_to_staff_who_may_invite(client, clerk, charlie):
    client.force_login(clerk)
    assert "send_portal_invites" not in offered_actions(client)

    response = client.post(
        CONTACTS, {"action": "send_portal_invites", "_selected_action": [charlie.pk]}
    )

    assert response.status_code in (200, 302)  # the list again: no such action for Sam
    assert not AccessToken.objects.exists()


def test_staff_who_may_invite_are_offered_the_bulk_invite_action(office, charlie):
    assert "send_portal_invites" in offered_actions(office)


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_strangers_cannot_invite_or_send_a_reset(client, alice, charlie, who):
    if who == "customer":
        client.force_login(alice)
    for url in (invite_url(charlie), reset_url(alice.contact)):
        response = client.post(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert not AccessToken.objects.exists()


def test_the_bulk_action_invites_the_good_contacts_and_reports_each_refusal(office, alice):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    CustomerAccountFactory(contact=maria)
    good = [ContactFactory(first_name=name, last_name="Good") for name in ("Ann", "Ben", "Cy")]
    PropertyContactFactory(contact=good[0], role=PropertyContact.Role.PRIMARY)
    nomail = ContactFactory(first_name="Nora", last_name="Nomail", email="")
    chosen = [maria, *good, nomail]

    response = office.post(
        CONTACTS,
        {"action": "send_portal_invites", "_selected_action": [c.pk for c in chosen]},
        follow=True,
    )

    shown = shown_messages(response)
    assert len(shown) == 4
    maria_message, nora_message, summary, sees_nothing = shown  # by last name, as listed
    assert maria_message.startswith(
        "Maria Lopez already has an account (Customer Portal Verified) — "
        "send a password reset instead."
    )
    assert page_url(maria) in maria_message
    assert nora_message.startswith("Nora Nomail has no email address.")
    assert summary == "Invited 3 contacts."
    assert sees_nothing == (
        "2 of the invited contacts hold no Primary or Billing role: "
        "they will see nothing in the portal until they do."
    )
    for contact in good:
        assert invitations(contact).count() == 1
        assert OutgoingEmail.objects.get(contact=contact).to_address == contact.email
    assert not invitations(maria).exists()
    assert not invitations(nomail).exists()


def test_the_contact_page_shows_the_portal_account_and_its_invitations(office, staff, charlie):
    # Two invitations, the second accepted: sending it revoked the first.
    first = contact_invite(contact=charlie, invited_by=staff)
    second = contact_invite(contact=charlie, invited_by=staff)
    AccessToken.objects.filter(pk=second.pk).update(used_at=timezone.now())
    CustomerAccountFactory(
        contact=charlie, last_login=dt.datetime(2026, 4, 1, 8, 15, tzinfo=dt.UTC)
    )

    response = office.get(page_url(charlie))

    panel = response.context["portal"]
    assert panel.account.contact == charlie
    assert [(token.pk, state) for token, state in panel.invitations] == [
        (second.pk, "Used"),
        (first.pk, "Revoked"),
    ]
    assert "Verified since" in response.text
    assert "April 1, 2026, 8:15 AM" in response.text  # the last sign-in
    assert "Jane Smith" in response.text  # who sent them
    messages_link = reverse("admin:mail_outgoingemail_changelist") + f"?contact={charlie.pk}"
    assert f'href="{messages_link}"' in response.text
    assert office.get(messages_link).context["cl"].result_count == 2


def test_an_expired_invitation_shows_as_expired(office, staff, charlie):
    invitation = contact_invite(contact=charlie, invited_by=staff)
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()

    panel = office.get(page_url(charlie)).context["portal"]

    assert [state for _, state in panel.invitations] == ["Expired"]


def test_inviting_a_contact_with_no_role_warns_they_will_see_nothing_and_still_invites(
    office, charlie
):
    page = office.get(page_url(charlie))
    response = office.post(invite_url(charlie), follow=True)

    assert SEES_NOTHING in page.text  # said before the button is pressed
    assert INVITE_BUTTON in page.text
    assert shown_messages(response) == ["Invitation sent to charlie@example.com.", SEES_NOTHING]
    assert invitations(charlie).count() == 1


def test_a_contact_with_only_an_other_role_is_warned_too(office, charlie):
    PropertyContactFactory(contact=charlie, role=PropertyContact.Role.OTHER)

    response = office.post(invite_url(charlie), follow=True)

    assert shown_messages(response)[1:] == [SEES_NOTHING]


def test_a_primary_or_billing_contact_is_invited_without_a_warning(office, charlie):
    PropertyContactFactory(contact=charlie, role=PropertyContact.Role.PRIMARY)

    page = office.get(page_url(charlie))
    response = office.post(invite_url(charlie), follow=True)

    assert "will see nothing" not in page.text
    assert shown_messages(response) == ["Invitation sent to charlie@example.com."]


def test_a_bulk_invite_of_one_contact_with_no_role_says_so_in_the_singular(office, charlie):
    response = office.post(
        CONTACTS,
        {"action": "send_portal_invites", "_selected_action": [charlie.pk]},
        follow=True,
    )

    assert shown_messages(response) == [
        "Invited 1 contact.",
        "1 of the invited contacts holds no Primary or Billing role: "
        "they will see nothing in the portal until they do.",
    ]
