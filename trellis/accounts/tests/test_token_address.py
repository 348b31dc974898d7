"""A link works only while the address it was sent to is still the contact's."""

from datetime import timedelta

import pytest
from django.test import Client

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.accounts.passwords import password_reset_send
from trellis.accounts.tokens import TokenInvalid, token_consume, token_find, token_issue
from trellis.customers.models import Contact
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

INVITATION = AccessToken.Purpose.INVITATION


def issued_to(contact):
    _, raw = token_issue(
        contact=contact, purpose=INVITATION, sent_to=contact.email, lifetime=timedelta(days=7)
    )
    return raw


def change_email(contact, email):
    Contact.objects.filter(pk=contact.pk).update(email=email)


def test_a_token_is_void_once_the_contacts_email_changed():
    contact = ContactFactory(email="maria@oldjob.example")
    raw = issued_to(contact)

    change_email(contact, "maria@example.com")

    with pytest.raises(TokenInvalid):
        token_find(raw=raw, purpose=INVITATION)
    with pytest.raises(TokenInvalid):
        token_consume(raw=raw, purpose=INVITATION)
    assert AccessToken.objects.get().used_at is None


def test_a_change_of_case_only_leaves_the_token_working():
    contact = ContactFactory(email="maria@example.com")
    raw = issued_to(contact)

    change_email(contact, "Maria@Example.COM")

    assert token_find(raw=raw, purpose=INVITATION).contact == contact
    token_consume(raw=raw, purpose=INVITATION)


def test_a_token_is_void_when_the_contacts_email_was_removed():
    contact = ContactFactory(email="maria@example.com")
    raw = issued_to(contact)

    change_email(contact, "")

    with pytest.raises(TokenInvalid):
        token_consume(raw=raw, purpose=INVITATION)


def test_an_invitation_to_an_old_address_answers_that_it_is_no_longer_valid(staff, client):
    contact = ContactFactory(email="maria@oldjob.example")
    link = path_of(link_in(contact_invite(contact=contact, invited_by=staff).email))
    assert client.get(link).status_code == 200

    change_email(contact, "maria@example.com")

    response = client.get(link)
    assert response.status_code == 404
    assert "no longer valid" in response.text


def test_a_password_reset_to_an_old_address_no_longer_works(alice):
    link = path_of(link_in(password_reset_send(contact=alice.contact).email))

    change_email(alice.contact, "alice.new@example.com")

    new = "a brand new password"
    response = Client().post(link, {"new_password": new, "new_password_again": new})
    assert response.status_code == 404
    alice.refresh_from_db()
    assert not alice.check_password(new)
