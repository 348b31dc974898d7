"""A contact's portal account as the office shows and changes it: since when
the contact is verified, and what changing their email does to the sign-in."""

import datetime as dt

import pytest
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db


def page_url(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def edit_url(contact):
    return reverse("office:contact-edit", kwargs={"contact_id": contact.pk})


def details_of(contact, **changes):
    """The edit form as the page fills it in, with `changes` typed over it."""
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "company_name": contact.company_name,
        "language": contact.language,
        "external_id": contact.external_id or "",
        **changes,
    }


def portal_status(response):
    return response.text.split('id="portal-status"')[1].split("</dl>")[0]


def test_the_contact_page_says_since_when_the_contact_is_verified(office, alice):
    alice.date_joined = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    alice.save()

    status = portal_status(office.get(page_url(alice.contact)))

    assert "Yes" in status and "since March 2, 2026, 9:30 AM" in status


def test_an_unverified_contact_has_no_verified_since_date(office, charlie):
    status = portal_status(office.get(page_url(charlie)))

    assert "No" in status and "since" not in status


def test_an_email_changed_in_the_office_moves_the_sign_in_and_tells_the_old_address(office, alice):
    response = office.post(
        edit_url(alice.contact), details_of(alice.contact, email="alice.new@example.com")
    )

    assert response.status_code == 302
    alice.contact.refresh_from_db()
    alice.refresh_from_db()
    assert alice.contact.email == alice.login_email == "alice.new@example.com"
    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.EMAIL_CHANGED)
    assert notice.to_address == "alice@example.com"
    assert AuditEntry.objects.filter(action="contact.email_changed").exists()


def test_contacts_without_an_account_may_share_a_household_email(office, alice):
    household = ContactFactory(email="family@example.com")
    ContactFactory(email="family@example.com")

    response = office.post(edit_url(household), details_of(household, first_name="Sam"))

    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.first_name, household.email) == ("Sam", "family@example.com")
    assert not OutgoingEmail.objects.exists()
