"""trellis.doctor.contact: the four checks of one contact, each a question with
its answer, a verdict, the rows it read and the fix that applies."""

import datetime as dt

import pytest
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.billing.models import PaymentMethod
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.doctor.checks import Fix, Verdict
from trellis.doctor.contact import contact_checks
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import ContactFactory, PropertyContactFactory, PropertyFactory

Role = PropertyContact.Role
Kind = AccessAttempt.Kind
Result = AccessAttempt.Result


def checks(contact, staff=None):
    found = contact_checks(contact=contact, company=Company.load(), staff=staff)
    return {check.code: check for check in found}


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


def token(contact, purpose, *, sent_email=None, n=0, sent_to=None, ago=dt.timedelta(0)):
    return AccessToken.objects.create(
        contact=contact,
        purpose=purpose,
        token_hash=f"{purpose[:1]}{n}".ljust(64, "0"),
        sent_to=sent_to or contact.email,
        created_at=timezone.now() - ago,
        expires_at=timezone.now() + dt.timedelta(days=7),
        email=sent_email,
    )


def reset(contact, status, *, n=0, sent_to=None, ago=dt.timedelta(0), last_error=""):
    sent = email(contact, status=status, kind="password_reset", last_error=last_error)
    return token(
        contact, AccessToken.Purpose.PASSWORD_RESET, sent_email=sent, n=n, sent_to=sent_to, ago=ago
    )


def attempt(email_tried, *, user=None, kind=Kind.SIGN_IN, result=Result.WRONG_CREDENTIALS, ago=0):
    return AccessAttempt.objects.create(
        kind=kind,
        email_tried=email_tried,
        user=user,
        result=result,
        created_at=timezone.now() - dt.timedelta(minutes=ago),
    )


def card(contact, *, exp_year, last4="4242"):
    return PaymentMethod.objects.create(
        contact=contact,
        processor="sandbox",
        token=f"tok_{last4}",
        brand=PaymentMethod.Brand.VISA,
        last4=last4,
        exp_month=12,
        exp_year=exp_year,
        holder_name=contact.full_name,
    )


def test_the_checks_come_in_the_articles_order_with_stable_codes(db, charlie):
    found = contact_checks(contact=charlie, company=Company.load())

    assert [check.code for check in found] == [
        "payment_methods",
        "content",
        "invitation",
        "password_reset",
    ]


def test_every_heading_is_a_question_and_its_answer(db, charlie, alice):
    for contact in (charlie, alice.contact):
        for check in contact_checks(contact=contact, company=Company.load()):
            assert check.question.endswith("?")
            assert check.heading == f"{check.question} {check.answer}"
            assert not check.question.startswith(("Cannot", "Can't", "Hasn't", "Unable"))


# --- Can they see payment methods? ---------------------------------------------


def test_saved_payment_methods_are_counted_in_the_answer(db, charlie):
    year = timezone.localdate().year
    card(charlie, exp_year=year + 2, last4="4242")
    card(charlie, exp_year=year + 3, last4="1881")

    check = checks(charlie)["payment_methods"]

    assert check.verdict == Verdict.PASS
    assert check.heading == "Can Charlie Chen see payment methods? Yes: 2 saved."
    assert any("4242" in line for line in check.evidence)
    assert check.fix is None
    assert check.hints == ()


def test_no_saved_payment_method_is_an_answer_not_a_failure(db, charlie):
    check = checks(charlie)["payment_methods"]

    assert check.verdict == Verdict.INFO
    assert not check.failed
    assert check.answer.startswith("None saved")
    assert check.fix == Fix.SAVE_PAYMENT_METHOD


def test_an_expired_card_is_a_hint(db, charlie):
    card(charlie, exp_year=timezone.localdate().year - 1)

    check = checks(charlie)["payment_methods"]

    assert check.verdict == Verdict.PASS
    (hint,) = check.hints
    assert "expired" in hint


# --- Can they see proposals, invoices and requests? ----------------------------


def test_a_primary_contact_sees_its_property(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.PRIMARY, property__name="Oak Lodge")

    check = checks(charlie)["content"]

    assert check.verdict == Verdict.PASS
    assert check.answer == "Yes: those of 1 property, as their Primary or Billing contact."
    assert any("Oak Lodge" in line and "Primary" in line for line in check.evidence)


def test_only_other_roles_fail_and_say_the_role_gives_nothing(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.OTHER, property__name="Elm House")

    check = checks(charlie)["content"]

    assert check.verdict == Verdict.FAIL
    assert check.answer == (
        "No: Charlie Chen holds only “Other” roles, and only a property's Primary or Billing "
        "contact sees its content."
    )
    assert any("Elm House" in line and "Other" in line for line in check.evidence)


def test_a_role_that_gives_nothing_beside_one_that_does_is_a_hint(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.BILLING, property__name="Oak Lodge")
    PropertyContactFactory(contact=charlie, role=Role.OTHER, property__name="Elm House")

    check = checks(charlie)["content"]

    assert check.verdict == Verdict.PASS
    (hint,) = check.hints
    assert "Elm House" in hint


def test_a_contact_with_no_role_fails_and_says_so(db, charlie):
    check = checks(charlie)["content"]

    assert check.verdict == Verdict.FAIL
    assert check.answer == "No: Charlie Chen holds no role on any property."


def test_a_section_switched_off_fails_and_names_it(db, charlie):
    PropertyContactFactory(contact=charlie, role=Role.BILLING, property=PropertyFactory())
    Company.objects.filter(pk=Company.load().pk).update(invoices_enabled=False)

    check = checks(charlie)["content"]

    assert check.verdict == Verdict.FAIL
    assert "switched the Invoices section of the portal off" in check.answer
    assert any("Invoices section" in line for line in check.evidence)


# --- Have they received the invitation? ------------------------------------------


def test_a_verified_contact_passes_and_is_offered_a_password_reset(db, alice, staff):
    check = checks(alice.contact, staff)["invitation"]

    assert check.verdict == Verdict.PASS
    assert check.answer.startswith("Yes: Alice Arnold is Customer Portal Verified")
    assert check.fix == Fix.SEND_PASSWORD_RESET


def test_a_contact_never_invited_is_told_so_without_a_failure(db, charlie, staff):
    check = checks(charlie, staff)["invitation"]

    assert check.verdict == Verdict.INFO
    assert check.heading == (
        "Has Charlie Chen received the portal invitation? Not yet: Charlie Chen has not been "
        "invited."
    )
    assert check.fix == Fix.SEND_INVITATION
    assert any("not verified for sending" in line for line in check.evidence)


def test_a_contact_without_an_email_cannot_be_invited_and_no_button_is_offered(db, staff):
    david = ContactFactory(first_name="David", last_name="Kowalski", email="")

    check = checks(david, staff)["invitation"]

    assert check.verdict == Verdict.INFO
    assert check.answer == "No: David Kowalski has no email address."
    assert check.fix is None


def test_an_invitation_whose_email_failed_fails_and_shows_the_error(db, charlie, staff):
    failed = email(charlie, status=OutgoingEmail.Status.FAILED, last_error="550 mailbox unknown")
    token(charlie, AccessToken.Purpose.INVITATION, sent_email=failed)

    check = checks(charlie, staff)["invitation"]

    assert check.verdict == Verdict.FAIL
    assert "was not delivered (550 mailbox unknown)" in check.answer
    assert any("pending" in line and "550 mailbox unknown" in line for line in check.evidence)
    assert check.fix == Fix.SEND_INVITATION
    assert "spam" in check.advice


def test_a_delivered_invitation_passes_and_names_the_sender_and_its_domain(db, charlie, staff):
    company = Company.load()
    company.verified_sending_domains = ["greenway.example"]
    company.save()
    token(charlie, AccessToken.Purpose.INVITATION, sent_email=email(charlie, status="sent"))

    check = checks(charlie, staff)["invitation"]

    assert check.verdict == Verdict.PASS
    assert check.answer.startswith("Yes: the invitation of ")
    assert "was delivered to charlie@example.com" in check.answer
    assert any("jane@greenway.example" in line for line in check.evidence)
    assert any("greenway.example is verified" in line for line in check.evidence)


def test_an_invitation_waiting_to_be_sent_is_not_yet_a_failure(db, charlie):
    token(charlie, AccessToken.Purpose.INVITATION, sent_email=email(charlie))

    check = checks(charlie)["invitation"]

    assert check.verdict == Verdict.INFO
    assert "waiting to be sent" in check.answer


def test_an_expired_invitation_fails_and_offers_a_new_one(db, charlie, staff):
    expired = token(
        charlie, AccessToken.Purpose.INVITATION, sent_email=email(charlie, status="sent")
    )
    AccessToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )

    check = checks(charlie, staff)["invitation"]

    assert check.verdict == Verdict.FAIL
    assert "expired" in check.answer
    assert check.fix == Fix.SEND_INVITATION


def test_an_invitation_to_an_earlier_address_fails(db, charlie):
    token(
        charlie,
        AccessToken.Purpose.INVITATION,
        sent_email=email(charlie, status="sent"),
        sent_to="charlie.old@example.com",
    )

    check = checks(charlie)["invitation"]

    assert check.verdict == Verdict.FAIL
    assert check.answer == (
        "No: the latest invitation went to charlie.old@example.com, not to their email "
        "charlie@example.com."
    )


# --- Can they reset their password? ----------------------------------------------


def test_a_delivered_reset_passes_even_when_an_old_address_was_tried(db, alice):
    """The issue's case: Failed, only because an old address was once tried at
    forgot password. The address is a hint; the reset was delivered."""
    reset(alice.contact, "sent")
    attempt("alice.old@example.com", user=alice, kind=Kind.PASSWORD_RESET, result=Result.RECEIVED)

    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.PASS
    assert check.answer.startswith("Yes: the latest reset email, of ")
    assert check.answer.endswith("was delivered to alice@example.com.")
    (hint,) = check.hints
    assert hint.startswith("alice.old@example.com was tried at forgot password on ")
    assert "it is not their email, alice@example.com" in hint
    assert check.fix == Fix.SEND_PASSWORD_RESET


def test_a_failed_reset_to_the_current_address_fails(db, alice):
    reset(alice.contact, "failed", last_error="timeout")

    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.FAIL
    assert "was not delivered (timeout)" in check.answer
    assert any("failed: timeout" in line for line in check.evidence)


def test_only_the_latest_reset_to_the_current_address_counts(db, alice):
    reset(alice.contact, "failed", n=1, ago=dt.timedelta(days=3))
    reset(alice.contact, "sent", n=2, ago=dt.timedelta(days=1))
    # Newer, but to the address she had before: says nothing about hers now.
    reset(alice.contact, "failed", n=3, sent_to="alice.old@example.com")

    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.PASS
    assert len([line for line in check.evidence if line.startswith("Password reset of")]) == 3


def test_no_reset_and_no_trouble_passes(db, alice):
    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.PASS
    assert check.answer == "Yes: their account is active; no reset has been asked for."


def test_no_reset_while_they_could_not_sign_in_fails(db, alice):
    attempt("alice@example.com", user=alice, ago=5)

    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.FAIL
    assert check.answer.startswith("Not yet: they could not sign in on ")
    assert any("wrong email or password" in line for line in check.evidence)


def test_trouble_before_their_last_sign_in_is_over(db, alice):
    attempt("alice@example.com", user=alice, ago=10)
    attempt("alice@example.com", user=alice, result=Result.SIGNED_IN, ago=5)

    assert checks(alice.contact)["password_reset"].verdict == Verdict.PASS


def test_an_old_address_tried_at_sign_in_is_a_hint_not_trouble(db, alice):
    attempt("alice.old@example.com", user=alice)
    attempt("alice.old@example.com", user=alice, ago=3)

    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.PASS
    (hint,) = check.hints  # one hint per address
    assert "alice.old@example.com was tried at sign-in" in hint


def test_a_contact_without_an_account_has_no_password_to_reset(db, charlie):
    check = checks(charlie)["password_reset"]

    assert check.verdict == Verdict.INFO
    assert "has no portal account" in check.answer
    assert check.fix is None


def test_a_deactivated_account_fails_and_offers_no_reset(db, alice):
    alice.is_active = False
    alice.save()

    check = checks(alice.contact)["password_reset"]

    assert check.verdict == Verdict.FAIL
    assert check.answer == "No: Alice Arnold's portal account is deactivated."
    assert check.fix is None


@pytest.mark.parametrize("count", [1, 6])
def test_the_checks_run_a_bounded_number_of_queries(
    db, charlie, staff, count, django_assert_max_num_queries
):
    for n in range(count):
        PropertyContactFactory(contact=charlie, role=Role.OTHER)
        token(charlie, AccessToken.Purpose.INVITATION, sent_email=email(charlie), n=n)

    with django_assert_max_num_queries(12):
        checks(charlie, staff)
