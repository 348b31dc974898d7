"""Security checks 16, 18, 20 and 21 (reset and invitation links) where other
tests show them only in part. Checks 15, 17 and 19 are shown in
trellis/portal/tests/test_forgot_password.py, test_invitation_page.py and
trellis/accounts/tests/test_tokens.py (docs/security-checks.md)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken, User
from trellis.accounts.passwords import password_reset_send
from trellis.mail.models import OutgoingEmail
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory, CustomerAccountFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

NEW = "a brand new password"
STORED = "Kevin.Ng@Example.com"


@pytest.fixture
def kevin(db):
    """Kevin: a customer whose stored email has capitals in it."""
    return CustomerAccountFactory(
        contact=ContactFactory(first_name="Kevin", last_name="Ng", email=STORED)
    )


@pytest.mark.parametrize(
    "typed",
    [
        "kevin.ng@example.com",
        "KEVIN.NG@EXAMPLE.COM",
        " Kevin.Ng@Example.com ",
        "kev\u0131n.ng@example.com",  # a dotless i
        "KEV\u0130N.NG@EXAMPLE.COM",  # a dotted capital I
        "\uff4bevin.ng@example.com",  # a fullwidth k, which NFKC makes k
        "kevin.ng@exampIe.com",  # capital I for l
        "kevin.ng@example.com\u200b",  # a zero-width space
    ],
)
def test_check_16_forgot_password_for_a_variant_of_the_email_mails_only_the_stored_address(
    client, kevin, typed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/forgot-password/", {"email": typed})

    assert response.status_code in (200, 400)
    queued = set(OutgoingEmail.objects.values_list("to_address", flat=True))
    delivered = {address for message in mail.outbox for address in message.recipients()}
    assert queued <= {STORED}
    assert delivered <= {STORED}
    if typed.strip() != STORED:
        assert typed not in queued | delivered
        assert typed.strip() not in queued | delivered


def reset_link(alice):
    return path_of(link_in(password_reset_send(contact=alice.contact).email))


def test_check_18_a_completed_reset_signs_nobody_in_and_ends_the_other_sessions(
    alice, alice_browser
):
    resetting = Client()
    resetting.get("/sign-in/")  # a session of its own before, as a real browser has

    response = resetting.post(reset_link(alice), {"new_password": NEW, "new_password_again": NEW})

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert SESSION_KEY not in resetting.session
    assert resetting.get("/profile/").status_code == 302
    assert alice_browser.get("/profile/").status_code == 302  # the other browser is out
    assert sign_in(Client(), "alice@example.com", NEW).status_code == 302


@pytest.fixture
def maria_and_kevin(staff):
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    kevin = ContactFactory(first_name="Kevin", last_name="Ng", email="kevin@example.com")
    return (
        (maria, path_of(link_in(contact_invite(contact=maria, invited_by=staff).email))),
        (kevin, path_of(link_in(contact_invite(contact=kevin, invited_by=staff).email))),
    )


def test_check_20_one_contacts_invitation_cannot_activate_another_whatever_is_posted(
    client, maria_and_kevin
):
    (maria, marias_link), (kevin, _kevins_link) = maria_and_kevin

    response = client.post(
        marias_link,
        {
            "first_name": "Kevin",
            "last_name": "Ng",
            "new_password": NEW,
            "new_password_again": NEW,
            "email": kevin.email,
            "contact": kevin.pk,
            "contact_id": kevin.pk,
        },
    )

    assert response.status_code == 302
    account = User.objects.get(pk=client.session[SESSION_KEY])
    assert account.contact == maria
    assert not User.objects.filter(contact=kevin).exists()
    assert AccessToken.objects.get(contact=kevin).state == AccessToken.State.PENDING
    kevin.refresh_from_db()
    assert kevin.email == "kevin@example.com"


def test_check_20_an_invitation_token_is_no_login_and_no_reset_token(client, maria_and_kevin):
    (maria, marias_link), _ = maria_and_kevin
    token = marias_link.rstrip("/").rsplit("/", 1)[1]

    # Not a password, before or after it is used...
    assert sign_in(client, "maria@example.com", token).status_code == 200
    reset = reverse("portal:password-reset", args=[token])
    assert client.get(reset).status_code == 404
    assert client.post(reset, {"new_password": NEW, "new_password_again": NEW}).status_code == 404
    assert not User.objects.filter(contact=maria).exists()

    client.post(
        marias_link,
        {
            "first_name": "Maria",
            "last_name": "Lopez",
            "new_password": NEW,
            "new_password_again": NEW,
        },
    )
    client.post("/sign-out/")
    # ...nor a way back in once used.
    assert client.get(marias_link).status_code == 404
    assert SESSION_KEY not in client.session
    assert sign_in(client, "maria@example.com", token).status_code == 200
    assert client.get("/").status_code == 302


def test_check_21_the_office_password_reset_only_sends_a_link(office, alice, alice_browser):
    before = User.objects.get(pk=alice.pk).password
    reset = reverse("office:contact-password-reset", kwargs={"contact_id": alice.contact.pk})

    response = office.post(reset, follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Password reset link sent to alice@example.com."
    ]
    assert User.objects.get(pk=alice.pk).password == before
    assert alice_browser.get("/profile/").status_code == 200  # nobody was signed out
    assert sign_in(Client(), "alice@example.com", DEFAULT_PASSWORD).status_code == 302
    [email] = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert email.to_address == "alice@example.com"
    token = path_of(link_in(email)).rstrip("/").rsplit("/", 1)[1]
    assert token not in response.content.decode()
    # What was sent is a link to set a password, and no password at all.
    assert "/reset/" in link_in(email)


@pytest.fixture
def alice_browser(alice):
    browser = Client()
    assert sign_in(browser, "alice@example.com").status_code == 302
    return browser


@pytest.fixture
def office(staff):
    browser = Client()
    browser.force_login(staff)
    return browser
