import datetime as dt
import secrets

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.customers.models import Property, PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.mail.tests.emails import queue_email
from trellis.office.pages import page_url as office_page_url
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    PropertyContactFactory,
    PropertyFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

Role = PropertyContact.Role
SEES_NOTHING = (
    "Charlie Chen holds no Primary or Billing role on any property: "
    "they will see nothing in the portal until they do."
)


def page_url(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def staff_with(*codenames):
    member = StaffFactory(email=f"{secrets.token_hex(4)}@greenway.example")
    member.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return member


def test_the_page_shows_the_contacts_details(office):
    maria = ContactFactory(
        first_name="Maria",
        last_name="Lopez",
        email="maria.lopez@example.com",
        phone="(217) 555-0101",
        company_name="Lopez Family Trust",
        language="es",
        external_id="C-1001",
    )

    page = office.get(page_url(maria)).text

    for shown in ("Maria Lopez", "maria.lopez@example.com", "(217) 555-0101"):
        assert shown in page
    assert "Lopez Family Trust" in page and "Español" in page and "C-1001" in page


def test_the_page_lists_each_property_once_with_the_roles_held_primary_first(office, charlie):
    oak = PropertyFactory(name="Oak Lodge", street="1 Oak Lane")
    PropertyContactFactory(contact=charlie, property=oak, role=Role.BILLING)
    PropertyContactFactory(contact=charlie, property=oak, role=Role.PRIMARY)
    PropertyContactFactory(contact=charlie, property=PropertyFactory(name="Elm"), role=Role.OTHER)

    response = office.get(page_url(charlie))

    rows = [
        (p.name, [r.role for r in p.contact_roles]) for p, _ in response.context["property_rows"]
    ]
    assert rows == [("Elm", ["other"]), ("Oak Lodge", ["primary", "billing"])]
    assert "Primary, Billing" in response.text and "1 Oak Lane" in response.text


def test_a_property_links_to_its_page(office, charlie):
    oak = PropertyContactFactory(contact=charlie).property

    assert (
        f'href="{reverse("office:property", kwargs={"property_id": oak.pk})}"'
        in office.get(page_url(charlie)).text
    )


def test_the_page_says_when_a_contact_holds_no_role(office, charlie):
    assert "No role on any property." in office.get(page_url(charlie)).text


def test_a_verified_contact_shows_since_when_and_the_last_sign_in(office, alice):
    alice.date_joined = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
    alice.last_login = None
    alice.save()

    response = office.get(page_url(alice.contact))

    assert response.context["portal"].account == alice
    panel = response.text.split('id="portal-status"')[1]
    assert "Customer Portal Verified" in panel and "Yes" in panel and "Never" in panel
    assert "Send password reset" in panel and "Send Customer Portal invite" not in panel


def test_the_invitations_are_listed_with_their_delivery(office, staff, charlie):
    PropertyContactFactory(contact=charlie, role=Role.PRIMARY)
    invitation = contact_invite(contact=charlie, invited_by=staff)

    response = office.get(page_url(charlie))

    assert [(i.pk, state) for i, state, _ in response.context["portal"].invitation_rows] == [
        (invitation.pk, "Pending")
    ]
    assert "Queued" in response.text.split('id="portal-invitations"')[1]


def test_the_latest_ten_emails_are_listed_newest_first_with_their_status(office, charlie):
    emails = [queue_email(contact=charlie, subject=f"Note {n}") for n in range(12)]
    OutgoingEmail.objects.filter(pk=emails[-1].pk).update(
        status=OutgoingEmail.Status.FAILED, last_error="550 mailbox unavailable"
    )

    response = office.get(page_url(charlie))

    listed = [email.subject for email, _ in response.context["emails"]]
    assert listed == [f"Note {n}" for n in range(11, 1, -1)]
    panel = response.text.split('id="contact-emails"')[1]
    assert "Failed" in panel and "550 mailbox unavailable" in panel


def test_an_email_links_to_its_page(office, charlie):
    email = queue_email(contact=charlie)

    assert f'href="{office_page_url("email", email.pk)}"' in office.get(page_url(charlie)).text


def test_the_page_shows_the_saved_payment_methods(office, charlie):
    page = office.get(page_url(charlie)).text

    assert 'id="payment-methods"' in page and "No saved payment methods." in page
    assert reverse("office:contact-payment-method", kwargs={"contact_id": charlie.pk}) in page


def test_inviting_a_contact_with_no_primary_or_billing_role_is_warned_before(office, charlie):
    PropertyContactFactory(contact=charlie, role=Role.OTHER)

    page = office.get(page_url(charlie)).text

    assert SEES_NOTHING in page
    assert reverse("office:contact-invite", kwargs={"contact_id": charlie.pk}) in page


def test_the_buttons_point_at_the_offices_own_urls(office, charlie):
    page = office.get(page_url(charlie)).text

    for name in ("contact-invite", "contact-view-as", "contact-troubleshoot", "contact-edit"):
        assert reverse(f"office:{name}", kwargs={"contact_id": charlie.pk}) in page
    assert "/office/customers/" not in page.split('id="main"')[1].split('id="contact-emails"')[0]


def test_staff_who_may_only_view_contacts_see_no_button_they_cannot_use(client, charlie):
    client.force_login(staff_with("view_contact"))

    page = client.get(page_url(charlie)).text

    assert "Troubleshoot portal access" in page
    for name in ("contact-invite", "contact-view-as", "contact-edit", "contact-payment-method"):
        assert reverse(f"office:{name}", kwargs={"contact_id": charlie.pk}) not in page
    assert "View as customer:" in page  # why not: they may not see invoices, proposals…


def test_staff_who_may_invite_see_the_invite_button(client, charlie):
    client.force_login(staff_with("view_contact", "invite_contact"))

    page = client.get(page_url(charlie)).text

    assert reverse("office:contact-invite", kwargs={"contact_id": charlie.pk}) in page


def test_a_contact_who_cannot_be_invited_says_why(office):
    david = ContactFactory(first_name="David", last_name="Kowalski", email="")

    page = office.get(page_url(david)).text

    assert "Cannot be invited now: David Kowalski has no email address." in page


def test_a_missing_contact_is_a_404(office):
    assert office.get(reverse("office:contact", kwargs={"contact_id": 999999})).status_code == 404


def test_the_page_runs_as_many_queries_for_500_roles_emails_and_invitations_as_for_5(
    office, staff, greenway
):
    contact = ContactFactory()
    CustomerAccountFactory(contact=contact)
    now = timezone.now()

    def add_rows(n):
        start = Property.objects.count()
        places = Property.objects.bulk_create(
            Property(name=f"Place {start + i}", street=f"{i} Main St") for i in range(n)
        )
        PropertyContact.objects.bulk_create(
            PropertyContact(property=p, contact=contact, role=role)
            for p in places
            for role in (Role.PRIMARY, Role.OTHER)
        )
        emails = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                kind=OutgoingEmail.Kind.INVITATION,
                to_address=contact.email,
                from_address="portal@greenway.example",
                subject=f"Invitation {i}",
                body_text="Join us",
                contact=contact,
            )
            for i in range(n)
        )
        AccessToken.objects.bulk_create(
            AccessToken(
                purpose=AccessToken.Purpose.INVITATION,
                contact=contact,
                token_hash=secrets.token_hex(32),
                sent_to=contact.email,
                created_by=staff,
                email=email,
                expires_at=now + dt.timedelta(days=7),
            )
            for email in emails
        )

    assert_queries_do_not_grow(office, page_url(contact), add_rows=add_rows)
