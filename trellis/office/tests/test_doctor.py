import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.billing.models import PaymentMethod
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.office.doctor import contact_checks
from trellis.testing.factories import PropertyContactFactory, PropertyFactory

Role = PropertyContact.Role


def checks(contact, staff=None):
    found = contact_checks(contact=contact, company=Company.load(), staff=staff)
    return {check.title: check for check in found}


def email(contact, *, status=OutgoingEmail.Status.QUEUED, last_error="", kind="invitation"):
    return OutgoingEmail.objects.create(
        kind=kind,
        to_address=contact.email,
        from_address="portal@example.com",
        subject="Hello",
        body_text="Hello",
        message_id=f"<{OutgoingEmail.objects.count()}@example.com>",
        contact=contact,
        status=status,
        last_error=last_error,
        sent_at=timezone.now() if status == OutgoingEmail.Status.SENT else None,
    )


def token(contact, purpose, *, sent_email=None, n=0):
    return AccessToken.objects.create(
        contact=contact,
        purpose=purpose,
        token_hash=f"{purpose[:1]}{n}".ljust(64, "0"),
        sent_to=contact.email,
        expires_at=timezone.now() + dt.timedelta(days=7),
        email=sent_email,
    )


# --- Cannot view payment methods -------------------------------------------


def test_no_saved_payment_method_fails_and_offers_to_save_one(db, charlie):
    check = checks(charlie)["Cannot view payment methods"]

    assert not check.passed
    assert check.fix.url == reverse("admin:customers_contact_payment_method", args=[charlie.pk])
    assert check.fix.method == "get"


def test_a_saved_payment_method_passes(db, charlie):
    PaymentMethod.objects.create(
        contact=charlie,
        processor="sandbox",
        token="tok_1",
        brand=PaymentMethod.Brand.VISA,
        last4="4242",
        exp_month=12,
        exp_year=timezone.localdate().year + 2,
        holder_name="Charlie Chen",
    )

    check = checks(charlie)["Cannot view payment methods"]

    assert check.passed
    assert check.fix is None
    assert any("4242" in line for line in check.lines)


# --- Unable to view expected content ---------------------------------------


def test_a_primary_contact_sees_its_property(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.PRIMARY, property__name="Oak Lodge")

    check = checks(charlie)["Unable to view expected content"]

    assert check.passed
    assert any("Oak Lodge" in line and "Primary" in line for line in check.lines)


def test_only_other_roles_fail_and_say_the_role_gives_nothing(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.OTHER, property__name="Elm House")

    check = checks(charlie)["Unable to view expected content"]

    assert not check.passed
    assert any("Elm House" in line and "Other" in line for line in check.lines)


def test_a_section_switched_off_fails(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.BILLING, property=PropertyFactory())
    Company.objects.filter(pk=Company.load().pk).update(invoices_enabled=False)

    check = checks(charlie)["Unable to view expected content"]

    assert not check.passed
    assert any("Invoices section" in line for line in check.lines)


# --- Hasn't received the invite --------------------------------------------


def test_a_verified_contact_is_offered_a_password_reset(db, alice, staff):
    check = checks(alice.contact, staff)["Hasn't received the invite"]

    assert check.passed
    assert any("already Customer Portal Verified" in line for line in check.lines)
    assert check.fix.url == reverse(
        "admin:customers_contact_password_reset", args=[alice.contact.pk]
    )
    assert check.fix.method == "post"


def test_an_invitation_whose_email_failed_fails_and_shows_the_error(db, charlie, staff):
    failed = email(charlie, status=OutgoingEmail.Status.FAILED, last_error="550 mailbox unknown")
    token(charlie, AccessToken.Purpose.INVITATION, sent_email=failed)

    check = checks(charlie, staff)["Hasn't received the invite"]

    assert not check.passed
    assert any("pending" in line and "550 mailbox unknown" in line for line in check.lines)
    assert check.fix.url == reverse("admin:customers_contact_invite", args=[charlie.pk])
    assert any("spam" in line for line in check.lines)


def test_a_delivered_invitation_passes_and_names_the_sender_and_its_domain(db, charlie, staff):
    company = Company.load()
    company.verified_sending_domains = ["greenway.example"]
    company.save()
    token(charlie, AccessToken.Purpose.INVITATION, sent_email=email(charlie, status="sent"))

    check = checks(charlie, staff)["Hasn't received the invite"]

    assert check.passed
    assert any("jane@greenway.example" in line for line in check.lines)
    assert any("greenway.example is verified" in line for line in check.lines)


def test_an_unverified_sender_domain_is_said(db, charlie, staff):
    check = checks(charlie, staff)["Hasn't received the invite"]

    assert not check.passed  # never invited
    assert any("not verified for sending" in line for line in check.lines)


# --- Can't reset their password --------------------------------------------


def test_an_active_account_with_a_sent_reset_passes(db, alice):
    sent = email(alice.contact, status="sent", kind="password_reset")
    token(alice.contact, AccessToken.Purpose.PASSWORD_RESET, sent_email=sent)

    check = checks(alice.contact)["Can't reset their password"]

    assert check.passed
    assert any("Password reset" in line and "sent" in line for line in check.lines)
    assert any("account is active" in line for line in check.lines)


def test_a_failed_reset_email_fails(db, alice):
    failed = email(alice.contact, status="failed", last_error="timeout", kind="password_reset")
    token(alice.contact, AccessToken.Purpose.PASSWORD_RESET, sent_email=failed)

    check = checks(alice.contact)["Can't reset their password"]

    assert not check.passed
    assert any("failed: timeout" in line for line in check.lines)


def test_an_old_email_tried_at_sign_in_shows_next_to_the_current_one(db, alice):
    AccessAttempt.objects.create(
        kind=AccessAttempt.Kind.SIGN_IN,
        email_tried="Alice.Old@example.com",
        user=alice,
        result=AccessAttempt.Result.WRONG_CREDENTIALS,
    )
    AccessAttempt.objects.create(
        kind=AccessAttempt.Kind.PASSWORD_RESET,
        email_tried="alice@example.com",
        result=AccessAttempt.Result.RESET_SENT,
    )

    check = checks(alice.contact)["Can't reset their password"]

    assert not check.passed
    assert any("alice@example.com" in line for line in check.lines)
    tried = [line for line in check.lines if "Recently tried" in line]
    assert len(tried) == 1
    assert "alice.old@example.com" in tried[0]


def test_a_contact_without_an_account_fails(db, charlie):
    check = checks(charlie)["Can't reset their password"]

    assert not check.passed
    assert any("no portal account" in line for line in check.lines)


# --- the page ---------------------------------------------------------------


def test_the_page_renders_for_staff_with_each_check(office, charlie):
    url = reverse("admin:customers_contact_troubleshoot", args=[charlie.pk])

    response = office.get(url)

    assert response.status_code == 200
    assert "Failed: Cannot view payment methods" in response.text
    assert reverse("admin:customers_contact_invite", args=[charlie.pk]) in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_the_contact_page_links_to_the_troubleshooter(office, charlie):
    response = office.get(reverse("admin:customers_contact_change", args=[charlie.pk]))

    url = reverse("admin:customers_contact_troubleshoot", args=[charlie.pk])
    assert url in response.text


def test_anonymous_users_are_sent_to_the_login(client, charlie):
    url = reverse("admin:customers_contact_troubleshoot", args=[charlie.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("count", [1, 6])
def test_the_checks_run_a_bounded_number_of_queries(
    db, charlie, staff, count, django_assert_max_num_queries
):
    for _ in range(count):
        PropertyContactFactory(contact=charlie, role=Role.OTHER)
        token(charlie, AccessToken.Purpose.INVITATION, sent_email=email(charlie), n=_)

    with django_assert_max_num_queries(12):
        checks(charlie, staff)
