"""Security checks 39 (no secret in any log record) and 40 (who an invitation says
it is from, as delivered). Check 38 (what is logged) is shown in
trellis/portal/tests/test_security_events.py and trellis/tests/test_request_context.py."""

import logging
import re
import uuid
from email.utils import parseaddr

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from trellis.accounts.invitations import contact_invite
from trellis.billing.tests.methods import due_invoice
from trellis.mail.models import OutgoingEmail
from trellis.portal.tests.conftest import sign_in
from trellis.testing.card_data import (
    card_numbers_in,
    card_tokenised,
    security_code_in,
    typed_numbers_in,
)
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

FIRST = "first pässword of Maria's 🌱"
WRONG = "a wrong guess at it, 1234"
AFTER_RESET = "the password after the reset"
CHANGED = "and the one she changed it to"
CARD = "4242 4242 4242 4242"


def token_of(path):
    return path.rstrip("/").rsplit("/", 1)[1]


def fields_of(record):
    # Every attribute but django.request's `request`: the request object itself,
    # which no formatter here writes out (its path is in the message, masked).
    return {k: v for k, v in record.__dict__.items() if k != "request"}


def everything_logged(caplog):
    """Each record's message, arguments, extra fields and traceback, as text."""
    return (
        "\n".join(
            f"{record.getMessage()} {record.args!r} {fields_of(record)!r} {record.exc_text or ''}"
            for record in caplog.records
        )
        + caplog.text
    )


def test_check_39_no_log_record_holds_a_password_token_session_id_or_card_number(
    caplog, staff, greenway, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)  # every logger, at every level
    secrets = [FIRST, WRONG, AFTER_RESET, CHANGED]
    browser = Client()

    def session_id():
        key = browser.cookies.get(settings.SESSION_COOKIE_NAME)
        if key and key.value:
            secrets.append(key.value)

    with django_capture_on_commit_callbacks(execute=True):
        # An invitation, opened and accepted.
        maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
        invitation = path_of(link_in(contact_invite(contact=maria, invited_by=staff).email))
        secrets.append(token_of(invitation))
        browser.get(invitation)
        session_id()
        browser.post(
            invitation,
            {
                "first_name": "Maria",
                "last_name": "Lopez",
                "new_password": FIRST,
                "new_password_again": FIRST,
            },
        )
        session_id()
        browser.get(invitation)  # used: a 404 for a signed-in customer
        browser.post("/sign-out/")

        # A failed sign-in, then one that works.
        sign_in(browser, "maria@example.com", WRONG)
        sign_in(browser, "maria@example.com", FIRST)
        session_id()
        browser.post("/sign-out/")

        # Forgot password and the reset, then the used link again.
        browser.post("/forgot-password/", {"email": "maria@example.com"})
    reset = path_of(link_in(OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)))
    secrets.append(token_of(reset))
    with django_capture_on_commit_callbacks(execute=True):
        browser.get(reset)
        browser.post(reset, {"new_password": AFTER_RESET, "new_password_again": AFTER_RESET})
        browser.post(reset, {"new_password": AFTER_RESET, "new_password_again": AFTER_RESET})

        # A payment with a card typed in, and a password change.
        sign_in(browser, "maria@example.com", AFTER_RESET)
        session_id()
        invoice = due_invoice(maria)
        key = uuid.uuid4().hex
        card_token = card_tokenised(browser, CARD, "739")  # typed into the processor's field
        secrets.append(card_token)
        browser.post(
            f"/invoices/{invoice.pk}/pay/",
            {
                "method": "new",
                "amount": "100.00",
                "idempotency_key": key,
                "card_token": card_token,
                "holder_name": "Maria Lopez",
            },
        )
        method = maria.payment_methods.get()
        paid = browser.post(
            f"/invoices/{invoice.pk}/pay/",
            {"method": method.pk, "amount": "100.00", "idempotency_key": key, "confirm": "1"},
        )
        assert paid.status_code == 302
        browser.post(
            "/profile/password/",
            {
                "password-current_password": AFTER_RESET,
                "password-new_password": CHANGED,
                "password-new_password_again": CHANGED,
            },
        )
    assert sign_in(Client(), "maria@example.com", CHANGED).status_code == 302  # all of it ran

    logged = everything_logged(caplog)
    assert "sign_in" in logged  # the security events were captured
    found = [secret for secret in secrets if secret in logged]
    assert found == []
    assert card_numbers_in(logged) == set()
    assert typed_numbers_in(logged, [CARD]) == set()
    assert not security_code_in(logged, "739")
    assert method.token not in logged


def test_check_40_a_delivered_invitation_is_from_the_verified_domain_in_the_staff_name(
    staff, greenway, django_capture_on_commit_callbacks
):
    contact = ContactFactory(first_name="Maria", email="maria@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        contact_invite(contact=contact, invited_by=staff)

    [message] = mail.outbox
    sent = message.message()
    name, address = parseaddr(sent["From"])
    assert name == "Jane Smith via Greenway Landscaping"
    assert address.rpartition("@")[2] in greenway.verified_sending_domains
    assert parseaddr(sent["Reply-To"])[1] == staff.email == "jane@greenway.example"
    assert sent["To"] == "maria@example.com"
    assert not re.search(r"[\r\n]", str(sent["From"]).replace("\n ", ""))
