"""No usable link at rest: after invitations and password resets are queued
and delivered, no working token is in a dump of the database, on any office
page that shows those emails, nor on the raw-data admin's pages; only the
delivered messages hold one."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.accounts.passwords import password_reset_send
from trellis.accounts.tokens import token_find
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import as_received, path_of

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+/(invitation|reset)/([A-Za-z0-9_-]{43})/")
PURPOSE = {
    "invitation": AccessToken.Purpose.INVITATION,
    "reset": AccessToken.Purpose.PASSWORD_RESET,
}


@pytest.fixture
def sent_and_waiting(staff, alice, settings, django_capture_on_commit_callbacks):
    """Two invitations and two resets delivered, one of each left waiting
    (its mail server down); the tokens every one of their links carries."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    kevin = ContactFactory(first_name="Kevin", last_name="Ng", email="kevin@example.com")
    # Each action commits, and so is delivered, before the next.
    with django_capture_on_commit_callbacks(execute=True):
        contact_invite(contact=maria, invited_by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_send(contact=alice.contact, sent_by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/forgot-password/", {"email": "alice@example.com"})
    assert len(mail.outbox) == 3
    delivered = [(m.subject, m.body, m.alternatives[0][0]) for m in mail.outbox]

    settings.EMAIL_BACKEND = "trellis.mail.tests.backends.RefusingBackend"
    waiting = []
    with django_capture_on_commit_callbacks(execute=True):
        waiting.append(contact_invite(contact=kevin, invited_by=staff).email)
    with django_capture_on_commit_callbacks(execute=True):
        waiting.append(password_reset_send(contact=alice.contact, sent_by=staff).email)
    for email in waiting:
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.QUEUED and email.link_secret
    received = [(c.subject, c.text, c.html) for c in map(as_received, waiting)]

    tokens = {}
    for message in delivered + received:
        for kind, token in LINK.findall(" ".join(message)):
            tokens[token] = PURPOSE[kind]
    return tokens


def test_every_link_sent_or_waiting_works_and_none_is_in_a_database_dump(sent_and_waiting):
    tokens = sent_and_waiting
    assert len(tokens) == 5
    # Live: the last invitation of each contact and the last reset of Alice's.
    live = {t for t, purpose in tokens.items() if _works(t, purpose)}
    assert len(live) == 3

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)

    assert OutgoingEmail.objects.count() == 5
    assert '"model": "mail.outgoingemail"' in dump.getvalue()
    assert [t for t in tokens if t in dump.getvalue()] == []


def test_no_link_is_on_the_offices_email_contact_or_inbox_pages(sent_and_waiting, office):
    contact_ids = OutgoingEmail.objects.values_list("contact_id", flat=True).distinct()
    pages = [reverse("office:home"), reverse("office:emails")]
    pages += [reverse("office:email", kwargs={"email_id": pk}) for pk in _emails()]
    for contact_id in contact_ids:
        pages += [
            reverse("office:contact", kwargs={"contact_id": contact_id}),
            reverse("office:contact-troubleshoot", kwargs={"contact_id": contact_id}),
            reverse("office:emails") + f"?contact={contact_id}",
        ]

    _assert_no_token_on(office, pages, sent_and_waiting)


def test_no_link_is_on_the_raw_data_pages_either(sent_and_waiting, office):
    pages = [reverse("admin:mail_outgoingemail_changelist")]
    pages += [reverse("admin:mail_outgoingemail_change", args=[pk]) for pk in _emails()]
    pages += [reverse("admin:accounts_accesstoken_changelist")]
    pages += [
        reverse("admin:accounts_accesstoken_change", args=[pk])
        for pk in AccessToken.objects.values_list("pk", flat=True)
    ]

    _assert_no_token_on(office, pages, sent_and_waiting)


def test_the_delivered_invitation_holds_a_link_that_works(staff, locmem_email_backend_and_commit):
    maria = ContactFactory(first_name="Maria", email="maria@example.com")
    with locmem_email_backend_and_commit(execute=True):
        contact_invite(contact=maria, invited_by=staff)

    [message] = mail.outbox
    link = LINK.search(message.body)[0]
    assert Client().get(path_of(link)).status_code == 200
    assert link not in OutgoingEmail.objects.get().body_text


@pytest.fixture
def office(client, staff):
    """Jane, a superuser: she may open every office page and the raw-data admin."""
    client.force_login(staff)
    return client


@pytest.fixture
def locmem_email_backend_and_commit(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return django_capture_on_commit_callbacks


def _emails():
    return OutgoingEmail.objects.values_list("pk", flat=True)


def _works(token, purpose):
    try:
        token_find(raw=token, purpose=purpose)
    except Exception:
        return False
    return True


def _assert_no_token_on(browser, pages, tokens):
    for page in pages:
        response = browser.get(page)
        assert response.status_code == 200, page
        assert [t for t in tokens if t in response.text] == [], page
