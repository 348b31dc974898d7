from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from trellis.accounts.models import AccessToken
from trellis.accounts.tokens import TokenInvalid, token_consume, token_find, token_hash, token_issue
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db

INVITATION = AccessToken.Purpose.INVITATION


def issue(contact, lifetime=timedelta(days=7)):
    return token_issue(
        contact=contact, purpose=INVITATION, sent_to=contact.email, lifetime=lifetime
    )


def test_only_a_hash_of_the_token_is_stored():
    token, raw = issue(ContactFactory())
    assert len(raw) >= 43  # 32 random bytes, base64: 256 bits
    assert token.token_hash == token_hash(raw) != raw
    assert not AccessToken.objects.filter(token_hash=raw).exists()


def test_tokens_are_random():
    contact = ContactFactory()
    raws = {issue(contact)[1] for _ in range(20)}
    assert len(raws) == 20


def test_a_token_works_once():
    _, raw = issue(ContactFactory())
    token_consume(raw=raw, purpose=INVITATION)
    with pytest.raises(TokenInvalid):
        token_consume(raw=raw, purpose=INVITATION)
    with pytest.raises(TokenInvalid):
        token_find(raw=raw, purpose=INVITATION)


def test_a_token_expires():
    with time_machine.travel("2026-11-01 12:00Z", tick=False):
        _, raw = issue(ContactFactory(), lifetime=timedelta(hours=1))
    with time_machine.travel("2026-11-01 12:59Z", tick=False):
        assert token_find(raw=raw, purpose=INVITATION).state == AccessToken.State.PENDING
    with time_machine.travel("2026-11-01 13:00Z", tick=False), pytest.raises(TokenInvalid):
        token_consume(raw=raw, purpose=INVITATION)


def test_a_new_token_revokes_the_earlier_ones_of_the_same_purpose():
    contact = ContactFactory()
    first, first_raw = issue(contact)
    _, reset_raw = token_issue(
        contact=contact,
        purpose=AccessToken.Purpose.PASSWORD_RESET,
        sent_to=contact.email,
        lifetime=timedelta(hours=1),
    )
    _, second_raw = issue(contact)

    first.refresh_from_db()
    assert first.state == AccessToken.State.REVOKED
    with pytest.raises(TokenInvalid):
        token_consume(raw=first_raw, purpose=INVITATION)
    token_consume(raw=second_raw, purpose=INVITATION)
    token_consume(raw=reset_raw, purpose=AccessToken.Purpose.PASSWORD_RESET)


def test_a_token_of_one_purpose_does_not_open_another():
    _, raw = issue(ContactFactory())
    with pytest.raises(TokenInvalid):
        token_consume(raw=raw, purpose=AccessToken.Purpose.PASSWORD_RESET)


def test_an_unknown_token_is_invalid():
    with pytest.raises(TokenInvalid):
        token_find(raw="not-a-token", purpose=INVITATION)


def test_the_state_follows_use_and_time():
    token, raw = issue(ContactFactory(), lifetime=timedelta(minutes=5))
    assert token.state_at(timezone.now() + timedelta(minutes=6)) == AccessToken.State.EXPIRED
    used = token_consume(raw=raw, purpose=INVITATION)
    assert used.state == AccessToken.State.USED
