import pytest
import time_machine
from django.contrib.auth import SESSION_KEY

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken, User
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

PASSWORD = "a long new password"


@pytest.fixture
def invitation(staff):
    contact = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    return contact_invite(contact=contact, invited_by=staff)


def accept(client, invitation, **fields):
    data = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "new_password": PASSWORD,
        "new_password_again": PASSWORD,
    } | fields
    return client.post(path_of(link_in(invitation.email)), data)


def test_opening_the_link_shows_a_form_and_uses_nothing_up(client, invitation):
    response = client.get(path_of(link_in(invitation.email)))
    assert response.status_code == 200
    assert "maria@example.com" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == AccessToken.State.PENDING


def test_accepting_signs_the_customer_in(client, invitation):
    response = accept(client, invitation)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(contact=invitation.contact)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/").status_code == 200


def test_the_names_follow_the_profile_rules_and_nothing_is_lost(client, invitation):
    response = accept(client, invitation, first_name="M4ria", last_name="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "First name must have at least 2 characters." in page
    assert "Last name must have at least 1 character." in page
    assert 'value="M4ria"' in page
    assert not User.objects.filter(contact=invitation.contact).exists()
    invitation.refresh_from_db()
    assert invitation.state == AccessToken.State.PENDING


def test_the_passwords_must_match(client, invitation):
    response = accept(client, invitation, new_password_again="something else entirely")
    assert "The two passwords are not the same." in response.content.decode()


def test_a_used_link_answers_that_it_is_no_longer_valid(client, invitation):
    accept(client, invitation)
    client.post("/sign-out/")
    response = accept(client, invitation)
    assert response.status_code == 404
    assert "no longer valid" in response.content.decode()


def test_an_expired_link_answers_that_it_is_no_longer_valid(client, staff):
    with time_machine.travel("2026-11-01 09:00Z", tick=False):
        invitation = contact_invite(contact=ContactFactory(), invited_by=staff)
    with time_machine.travel("2026-11-08 09:00:01Z", tick=False):
        response = client.get(path_of(link_in(invitation.email)))
    assert response.status_code == 404


def test_a_revoked_link_answers_that_it_is_no_longer_valid(client, invitation, staff):
    contact_invite(contact=invitation.contact, invited_by=staff)
    assert client.get(path_of(link_in(invitation.email))).status_code == 404


def test_an_unknown_link_answers_404(client):
    assert client.get("/invitation/made-up-token/").status_code == 404
