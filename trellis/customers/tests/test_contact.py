import pytest

from trellis.testing.factories import ContactFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def test_a_contact_is_verified_exactly_when_it_has_a_portal_account():
    contact = ContactFactory()
    assert not hasattr(contact, "portal_account")

    account = CustomerAccountFactory(contact=contact)
    contact.refresh_from_db()
    assert contact.portal_account == account


def test_the_portal_sign_in_email_is_always_the_contacts_current_email():
    account = CustomerAccountFactory(contact=ContactFactory(email="old@example.com"))
    account.contact.email = "new@example.com"
    account.contact.save()

    account.refresh_from_db()
    assert account.login_email == "new@example.com"
    assert account.email is None
