"""Inviting contacts to the Customer Portal and sending verified ones a password
reset, from the contact's office page and from the contacts list: what is sent,
from whom, and each refusal in words staff can act on. The buttons' permissions
and answers are in test_contact_buttons.py and trellis/tests/test_permission_matrix.py."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.test_contact_page import staff_with
from trellis.testing.factories import ContactFactory, CustomerAccountFactory, PropertyContactFactory

pytestmark = pytest.mark.django_db

LIST = reverse("office:contacts")
INVITE_BUTTON = "Send Customer Portal invite"
RESET_BUTTON = "Send password reset"


def url(name, contact):
    return reverse(f"office:{name}", kwargs={"contact_id": contact.pk})


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def invitations(contact):
    return AccessToken.objects.filter(contact=contact, purpose=AccessToken.Purpose.INVITATION)


@pytest.fixture
def unverified_domain(db):
    """Greenway, sending from a domain of its own that is not its staff's."""
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.sending_address = "portal@greenway-mail.example"
    company.save()
    return company


def test_an_invitation_goes_from_the_company_on_behalf_of_the_staff_member(
    office, staff, charlie, unverified_domain
):
    PropertyContactFactory(contact=charlie, role=PropertyContact.Role.BILLING)
    assert INVITE_BUTTON in office.get(url("contact", charlie)).text

    office.post(url("contact-invite", charlie))

    [invitation] = invitations(charlie)
    assert (invitation.sent_to, invitation.created_by) == ("charlie@example.com", staff)
    assert invitation.state == AccessToken.State.PENDING
    email = OutgoingEmail.objects.get(contact=charlie)
    assert invitation.email == email
    assert (email.kind, email.to_address) == (OutgoingEmail.Kind.INVITATION, charlie.email)
    # Greenway has not verified its staff's domain: the company's address, Jane's name.
    assert (
        email.from_address == "Jane Smith via Greenway Landscaping <portal@greenway-mail.example>"
    )
    assert email.reply_to == "jane@greenway.example"


def test_an_invitation_comes_from_the_staff_members_address_once_its_domain_is_verified(
    office, charlie, unverified_domain
):
    unverified_domain.verified_sending_domains = ["greenway.example"]
    unverified_domain.save()

    office.post(url("contact-invite", charlie))

    email = OutgoingEmail.objects.get(contact=charlie)
    assert email.from_address == "Jane Smith via Greenway Landscaping <jane@greenway.example>"
    assert email.reply_to == "jane@greenway.example"


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

    page = office.get(url("contact", dana))
    response = office.post(url("contact-invite", dana), follow=True)

    assert escape(message) in page.text  # said before anyone tries
    assert INVITE_BUTTON not in page.text
    assert shown_messages(response) == [message]
    assert not invitations(dana).exists()
    assert not OutgoingEmail.objects.filter(contact=dana).exists()


def test_the_password_reset_is_emailed_to_the_contacts_stored_address(office, staff, alice):
    office.post(url("contact-password-reset", alice.contact))

    token = AccessToken.objects.get(contact=alice.contact)
    assert (token.purpose, token.created_by) == (AccessToken.Purpose.PASSWORD_RESET, staff)
    email = OutgoingEmail.objects.get(contact=alice.contact)
    assert (email.kind, email.to_address) == (OutgoingEmail.Kind.PASSWORD_RESET, alice.login_email)


def test_a_contact_without_an_account_is_told_to_get_an_invitation_instead(office, charlie):
    response = office.post(url("contact-password-reset", charlie), follow=True)

    assert shown_messages(response) == [
        "Charlie Chen has no portal account yet: send an invitation instead."
    ]
    assert not AccessToken.objects.filter(contact=charlie).exists()
    assert RESET_BUTTON not in response.text


def test_a_password_reset_is_refused_for_a_deactivated_account(office, alice):
    alice.is_active = False
    alice.save()

    response = office.post(url("contact-password-reset", alice.contact), follow=True)

    assert "deactivated" in shown_messages(response)[0]
    assert not AccessToken.objects.filter(contact=alice.contact).exists()


def test_staff_who_may_not_invite_see_no_reset_button_for_a_verified_contact(client, alice):
    client.force_login(staff_with("view_contact", "change_contact"))

    page = client.get(url("contact", alice.contact)).text

    assert RESET_BUTTON not in page
    assert url("contact-password-reset", alice.contact) not in page


def test_the_contact_page_lists_every_invitation_newest_first_with_who_sent_it(
    office, staff, charlie
):
    # Two invitations, the second accepted: sending it revoked the first.
    first = contact_invite(contact=charlie, invited_by=staff)
    second = contact_invite(contact=charlie, invited_by=staff)
    AccessToken.objects.filter(pk=second.pk).update(used_at=timezone.now())
    CustomerAccountFactory(
        contact=charlie, last_login=dt.datetime(2026, 4, 1, 8, 15, tzinfo=dt.UTC)
    )

    response = office.get(url("contact", charlie))

    panel = response.context["portal"]
    assert panel.account.contact == charlie
    assert [(token.pk, state) for token, state, _ in panel.invitation_rows] == [
        (second.pk, "Used"),
        (first.pk, "Revoked"),
    ]
    assert "April 1, 2026, 8:15 AM" in response.text  # the last sign-in
    assert "Jane Smith" in response.text.split('id="portal-invitations"')[1]
    assert f'href="{reverse("office:emails")}?contact={charlie.pk}"' in response.text


def test_an_expired_invitation_shows_as_expired(office, staff, charlie):
    invitation = contact_invite(contact=charlie, invited_by=staff)
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()

    panel = office.get(url("contact", charlie)).context["portal"]

    assert [state for _, state, _ in panel.invitation_rows] == ["Expired"]


def test_a_primary_contact_is_offered_the_invitation_without_a_warning(office, charlie):
    PropertyContactFactory(contact=charlie, role=PropertyContact.Role.PRIMARY)

    page = office.get(url("contact", charlie)).text

    assert INVITE_BUTTON in page and "will see nothing" not in page


def test_inviting_from_the_list_invites_the_good_contacts_and_reports_each_refusal(office, alice):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    CustomerAccountFactory(contact=maria)
    good = [ContactFactory(first_name=name, last_name="Good") for name in ("Ann", "Ben", "Cy")]
    PropertyContactFactory(contact=good[0], role=PropertyContact.Role.PRIMARY)
    nomail = ContactFactory(first_name="Nora", last_name="Nomail", email="")
    chosen = [maria, *good, nomail]

    response = office.post(LIST, {"contact": [c.pk for c in chosen]}, follow=True)

    shown = shown_messages(response)
    assert len(shown) == 4
    maria_message, nora_message, summary, sees_nothing = shown  # by last name, as listed
    assert maria_message.startswith(
        "Maria Lopez already has an account (Customer Portal Verified) — "
        "send a password reset instead."
    )
    assert f'href="{url("contact", maria)}"' in maria_message  # where the reset button is
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


def test_inviting_one_contact_from_the_list_says_so_in_the_singular(office, charlie):
    response = office.post(LIST, {"contact": [charlie.pk]}, follow=True)

    assert shown_messages(response) == [
        "Invited 1 contact.",
        "1 of the invited contacts holds no Primary or Billing role: "
        "they will see nothing in the portal until they do.",
    ]
