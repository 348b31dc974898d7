import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from trellis.audit.models import AuditEntry
from trellis.autopay.authorisation import AUTHORISATION_VERSION
from trellis.autopay.charging import autopay_run
from trellis.autopay.models import Attempt, Enrollment, Notice
from trellis.autopay.services import (
    AutopayRefused,
    autopay_turn_off,
    autopay_turn_on,
    enrollments_of,
)
from trellis.autopay.tests.world import (
    TODAY,
    autopay_payments,
    customer_with_home,
    emails_to,
    issued,
    sandbox_charges_of,
    turned_on,
)
from trellis.billing.models import Invoice, Payment
from trellis.billing.payment_methods import payment_method_remove
from trellis.billing.tests.methods import DECLINED, saved_card
from trellis.billing.tests.processor_world import committed
from trellis.company.models import Company
from trellis.inbox.models import InboxItem
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import PropertyContactFactory, StaffFactory

pytestmark = pytest.mark.django_db

DUE = TODAY + dt.timedelta(days=10)


def run(day):
    with committed():
        return autopay_run(today=day)


def test_turning_autopay_on_keeps_the_words_agreed_to_their_version_and_who(settings):
    contact, home = customer_with_home()
    card = saved_card(contact)

    enrollment = turned_on(contact, card, home)

    assert enrollment.active
    assert enrollment.authorisation_version == AUTHORISATION_VERSION
    assert "charge Visa •••• 4242" in enrollment.authorisation_text
    assert home.name in enrollment.authorisation_text
    assert "3 days before each charge" in enrollment.authorisation_text
    entry = AuditEntry.objects.get(action="autopay.on")
    assert entry.actor == contact.portal_account
    assert entry.data["property"] == home.pk


def test_autopay_needs_the_current_terms_the_customers_own_method_and_property():
    contact, home = customer_with_home()
    card = saved_card(contact)
    other, elsewhere = customer_with_home()

    def turn_on(**changes):
        options = {
            "contact": contact,
            "user": contact.portal_account,
            "method": card,
            "property": home,
            "version": AUTHORISATION_VERSION,
            "company": Company.load(),
        } | changes
        return autopay_turn_on(**options)

    with pytest.raises(AutopayRefused, match="terms have changed"):
        turn_on(version="2020-01-01")
    with pytest.raises(AutopayRefused, match="saved payment methods"):
        turn_on(method=saved_card(other))
    with pytest.raises(AutopayRefused, match="your properties"):
        turn_on(property=elsewhere)
    with pytest.raises(AutopayRefused, match="Only the customer"):
        turn_on(user=StaffFactory())
    assert not Enrollment.objects.exists()


def test_an_invoice_is_charged_once_on_its_due_date_after_a_notice_and_receipted():
    contact, home = customer_with_home()
    turned_on(contact, saved_card(contact), home)
    invoice = issued(home, due_on=DUE)

    assert run(DUE - dt.timedelta(days=4)).notices == 0
    assert run(DUE - dt.timedelta(days=3)).notices == 1
    assert run(DUE - dt.timedelta(days=2)).notices == 0  # once
    assert autopay_payments(invoice) == []
    notice = emails_to(contact, "will be paid automatically")
    assert len(notice) == 1
    assert "Visa •••• 4242" in notice[0].body_text

    first = run(DUE)
    again = run(DUE)
    next_day = run(DUE + dt.timedelta(days=1))

    assert (first.charged, again.charged, next_day.charged) == (1, 0, 0)
    assert autopay_payments(invoice) == [Payment.Status.SUCCEEDED]
    assert sandbox_charges_of(invoice) == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert (
        OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT, contact=contact).count() == 1
    )
    assert InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_RECEIVED, invoice=invoice).count()


def test_invoices_issued_before_autopay_was_turned_on_are_not_charged():
    contact, home = customer_with_home()
    earlier = issued(home, due_on=DUE)
    enrollment = turned_on(contact, saved_card(contact), home)
    Invoice.objects.filter(pk=earlier.pk).update(
        printed_at=enrollment.authorised_at - dt.timedelta(hours=1)
    )

    assert run(DUE).charged == 0
    assert autopay_payments(earlier) == []


def test_a_declined_charge_is_tried_once_a_day_three_times_and_each_failure_told():
    contact, home = customer_with_home()
    turned_on(contact, saved_card(contact, DECLINED), home)
    invoice = issued(home, due_on=DUE)

    for day in range(5):
        run(DUE + dt.timedelta(days=day))
        run(DUE + dt.timedelta(days=day))  # twice a day changes nothing

    assert autopay_payments(invoice) == [Payment.Status.FAILED] * 3
    assert list(Attempt.objects.filter(invoice=invoice).values_list("on", flat=True)) == [
        DUE,
        DUE + dt.timedelta(days=1),
        DUE + dt.timedelta(days=2),
    ]
    told = emails_to(contact, "did not go through")
    assert len(told) == 3
    assert "declined" in told[0].body_text
    assert f"/invoices/{invoice.pk}/" in told[0].body_text
    assert (
        InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_FAILED, invoice=invoice).count() == 3
    )


def test_autopay_turned_off_charges_nothing_more_and_staff_turning_it_off_is_recorded():
    contact, home = customer_with_home()
    enrollment = turned_on(contact, saved_card(contact), home)
    invoice = issued(home, due_on=DUE)
    staff = StaffFactory()

    ended = autopay_turn_off(enrollment=enrollment, user=staff)

    assert ended.ended_by_staff == staff
    assert run(DUE).charged == 0
    assert autopay_payments(invoice) == []
    assert AuditEntry.objects.get(action="autopay.off").data["by_staff"] is True


def test_a_removed_method_is_a_problem_the_customer_and_the_office_hear_of():
    contact, home = customer_with_home()
    card = saved_card(contact)
    turned_on(contact, card, home)
    invoice = issued(home, due_on=DUE)
    payment_method_remove(method=card)

    result = run(DUE)

    assert (result.charged, result.problems) == (0, 1)
    assert autopay_payments(invoice) == []
    told = emails_to(contact, "could not be paid automatically")
    assert len(told) == 1
    assert f"/invoices/{invoice.pk}/pay/" in told[0].body_text
    item = InboxItem.objects.get(kind=InboxItem.Kind.PAYMENT_FAILED, invoice=invoice)
    assert item.data["reason"].startswith("Autopay:")


def test_a_worker_stopped_after_claiming_an_attempt_makes_that_charge_once():
    contact, home = customer_with_home()
    enrollment = turned_on(contact, saved_card(contact), home)
    invoice = issued(home, due_on=DUE)
    Attempt.objects.create(invoice=invoice, enrollment=enrollment, number=1, on=DUE)

    run(DUE)
    run(DUE)

    attempt = Attempt.objects.get(invoice=invoice)
    assert attempt.payment is not None
    assert attempt.payment.idempotency_key == f"autopay-{invoice.pk}-1"
    assert autopay_payments(invoice) == [Payment.Status.SUCCEEDED]
    assert sandbox_charges_of(invoice) == 1


def test_a_propertys_own_autopay_wins_over_the_one_for_all_properties():
    contact, home = customer_with_home()
    cabin = PropertyContactFactory(contact=contact).property
    first, second = saved_card(contact), saved_card(contact, "5555555555554444")
    turned_on(contact, first)
    turned_on(contact, second, cabin)
    at_home, at_cabin = issued(home, due_on=DUE), issued(cabin, due_on=DUE)

    run(DUE)

    assert Payment.objects.get(invoice=at_home).method == first
    assert Payment.objects.get(invoice=at_cabin).method == second


def test_turning_autopay_on_again_replaces_the_enrollment():
    contact, home = customer_with_home()
    old = turned_on(contact, saved_card(contact), home)
    new = turned_on(contact, saved_card(contact, "5555555555554444"), home)

    old.refresh_from_db()
    assert not old.active
    assert new.active
    assert Enrollment.objects.filter(ended_at__isnull=True).count() == 1


def test_charging_at_publishing_sends_no_notice_and_charges_at_once():
    company = Company.load()
    company.autopay_charge_on = Company.AutopayCharge.PUBLISHING
    company.save()
    contact, home = customer_with_home()
    turned_on(contact, saved_card(contact), home)
    invoice = issued(home, due_on=DUE)

    result = run(TODAY)

    assert (result.notices, result.charged) == (0, 1)
    assert autopay_payments(invoice) == [Payment.Status.SUCCEEDED]
    assert not Notice.objects.exists()


def test_the_command_runs_as_on_a_given_day(capsys):
    contact, home = customer_with_home()
    turned_on(contact, saved_card(contact), home)
    invoice = issued(home, due_on=DUE)

    with committed():
        call_command("autopay_run", "--today", DUE.isoformat())

    assert "1 charge(s) made" in capsys.readouterr().out
    assert Payment.objects.get(invoice=invoice).amount == Decimal("100.00")


def test_the_autopay_in_force_lists_all_properties_first_then_by_property():
    contact, home = customer_with_home()
    cabin = PropertyContactFactory(contact=contact).property
    card = saved_card(contact)
    for_cabin = turned_on(contact, card, cabin)
    for_all = turned_on(contact, card)
    for_home = turned_on(contact, card, home)

    listed = list(enrollments_of(contact=contact))

    assert listed[0] == for_all
    assert set(listed[1:]) == {for_home, for_cabin}
    assert [e.property.name for e in listed[1:]] == sorted([home.name, cabin.name])


def test_the_office_inbox_shows_an_autopay_charge_that_could_not_be_asked_for(client, staff):
    contact, home = customer_with_home()
    card = saved_card(contact)
    turned_on(contact, card, home)
    invoice = issued(home, due_on=DUE)
    payment_method_remove(method=card)
    run(DUE)
    client.force_login(staff)

    inbox = client.get("/office/")

    assert inbox.status_code == 200
    assert f"payment of 100.00 on invoice {invoice.number} failed" in inbox.text
