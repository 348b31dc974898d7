"""The outbox drops a link's token as soon as the link stops working, so an
email still waiting to be sent never carries a dead or replaced link."""

import pytest

from trellis.accounts.invitations import contact_invite, invitation_accept
from trellis.accounts.passwords import password_reset_send
from trellis.mail.links import MASK
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import link_in

pytestmark = pytest.mark.django_db


def raw_token_of(email):
    return link_in(email).rstrip("/").rsplit("/", 1)[1]


def test_the_invitation_email_is_stored_masked_with_its_token_kept_until_sent(staff):
    email = contact_invite(contact=ContactFactory(), invited_by=staff).email

    email.refresh_from_db()
    assert f"/invitation/{MASK}/" in email.body_text
    assert f"/invitation/{MASK}/" in email.body_html
    assert email.link_secret and email.link_expires_at is not None
    assert raw_token_of(email) not in email.body_text + email.body_html + email.link_secret


def test_the_reset_email_is_stored_masked(alice):
    email = password_reset_send(contact=alice.contact).email

    email.refresh_from_db()
    assert f"/reset/{MASK}/" in email.body_text
    assert raw_token_of(email) not in email.body_text + email.body_html


def test_a_new_invitation_drops_the_token_the_earlier_email_held(staff):
    contact = ContactFactory()
    first = contact_invite(contact=contact, invited_by=staff).email
    second = contact_invite(contact=contact, invited_by=staff).email

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.link_secret == ""
    assert second.link_secret


def test_accepting_an_invitation_drops_the_tokens_of_every_email_still_holding_one(staff):
    contact = ContactFactory()
    email = contact_invite(contact=contact, invited_by=staff).email

    invitation_accept(
        raw_token=raw_token_of(email),
        first_name="Ann",
        last_name="Lee",
        password="a long new password",
    )

    email.refresh_from_db()
    assert email.link_secret == ""
