"""Refunds of card payments through the sandbox processor (trellis.billing.refunds)."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.billing.gateways.base import GatewayUnavailable, Refund
from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.billing.ledger import invoice_derive_paid, invoice_standing
from trellis.billing.models import Invoice, Payment, PaymentRefund
from trellis.billing.reconciliation import payments_reconcile
from trellis.billing.recorded_payments import payment_record_offline
from trellis.billing.refunds import RefundRefused, payment_refund, refund_retry
from trellis.billing.services import InvoiceChangeRefused, invoice_void
from trellis.billing.tests.methods import DECLINED, saved_card
from trellis.billing.tests.processor_world import committed, later, pay
from trellis.customers.models import Contact
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor import processor
from trellis.sandbox_processor.models import Refund as SandboxRefund
from trellis.testing.factories import ContactFactory, OfflinePaymentFactory, StaffFactory

pytestmark = pytest.mark.django_db

ANSWER_LOST = "trellis.billing.tests.test_refunds.AnswerLostOnceGateway"
UNREACHABLE = "trellis.billing.tests.test_refunds.UnreachableRefundsGateway"
_LOST: set[str] = set()


class AnswerLostOnceGateway(SandboxGateway):
    """The sandbox, whose answer to a refund's first request never arrives:
    the processor refunded, Trellis did not hear it (the network dropped it)."""

    def refund(self, **kwargs: Any) -> Refund:
        refund = super().refund(**kwargs)
        if kwargs["idempotency_key"] not in _LOST:
            _LOST.add(kwargs["idempotency_key"])
            raise GatewayUnavailable("The payment processor did not answer in time.")
        return refund


class UnreachableRefundsGateway(SandboxGateway):
    """Every refund request times out before it reaches the processor."""

    def refund(self, **kwargs: Any) -> Refund:
        raise GatewayUnavailable("The payment processor did not answer in time.")


# --- the world: a card payment of 100.00 and refunds of it -----------------------


@pytest.fixture
def contact():
    return ContactFactory(first_name="Alice", email="alice@example.com")


def card_payment(contact: Contact, amount: str = "100.00") -> Payment:
    """A portal card payment that went through, of `amount` of an invoice of 100.00."""
    payment = pay(contact, saved_card(contact), amount)
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def refund(
    payment: Payment, amount: str, *, staff: User, reason: str = "Work not done", key: str = ""
) -> PaymentRefund:
    """Refund through the service as the office does, and run what waits for the commit."""
    with committed():
        return payment_refund(
            payment_id=payment.pk,
            amount=Decimal(amount),
            reason=reason,
            staff=staff,
            idempotency_key=key or f"refund-{uuid.uuid4().hex}",
        )


def invoice_of(payment: Payment) -> Invoice:
    return Invoice.objects.get(pk=payment.invoice_id)


def sandbox_refunds(payment: Payment) -> list[Decimal]:
    """The refunds the sandbox made of the payment's charge."""
    return list(
        SandboxRefund.objects.filter(charge__reference=payment.processor_reference).values_list(
            "amount", flat=True
        )
    )


def refund_emails(contact: Contact) -> list[OutgoingEmail]:
    return list(
        OutgoingEmail.objects.filter(to_address=contact.email, subject__contains="refund")
    ) + list(OutgoingEmail.objects.filter(to_address=contact.email, subject__contains="reembolso"))


def refunded_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="payment.refunded"))


# --- refunds through the processor ----------------------------------------------


def test_a_full_refund_gives_the_money_back_and_the_invoice_is_owed_again(contact, staff):
    payment = card_payment(contact)
    assert invoice_of(payment).status == Invoice.Status.PAID

    made = refund(payment, "100.00", staff=staff, reason="Work not done")

    assert made.status == PaymentRefund.Status.SUCCEEDED
    assert made.processor_reference.startswith("re_")
    assert sandbox_refunds(payment) == [Decimal("100.00")]
    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid, invoice.paid_at) == (
        Invoice.Status.OPEN,
        Decimal("0.00"),
        None,
    )
    [entry] = refunded_entries()
    assert entry.actor == staff
    assert entry.data["amount"] == "100.00" and entry.data["reason"] == "Work not done"


def test_a_partial_refund_leaves_the_invoice_partially_paid_and_a_second_one_open(contact, staff):
    payment = card_payment(contact)

    refund(payment, "40.00", staff=staff)

    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("60.00"),
        Decimal("40.00"),
    )

    refund(payment, "60.00", staff=staff)

    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.OPEN, Decimal("0.00"))
    assert sorted(sandbox_refunds(payment)) == [Decimal("40.00"), Decimal("60.00")]


def test_the_amount_paid_is_derived_in_one_query(contact, staff, django_assert_num_queries):
    payment = card_payment(contact)
    refund(payment, "25.00", staff=staff)
    invoice = invoice_of(payment)

    with django_assert_num_queries(1):
        invoice_derive_paid(invoice=invoice)

    assert invoice.amount_paid == Decimal("75.00")


def test_what_stands_on_the_invoice_is_net_of_refunds_given_back(contact, staff, settings):
    payment = card_payment(contact, "60.00")
    refund(payment, "25.00", staff=staff)
    settings.PAYMENT_GATEWAY = UNREACHABLE
    refund(payment, "5.00", staff=staff)  # asked for, no answer: it still stands

    assert invoice_standing(invoice_id=payment.invoice_id) == Decimal("35.00")
    assert invoice_standing(invoice_id=payment.invoice_id, besides=payment) == Decimal("0.00")


def test_more_than_is_left_of_the_payment_is_refused(contact, staff):
    payment = card_payment(contact)
    refund(payment, "70.00", staff=staff)

    with pytest.raises(RefundRefused, match=r"40.00 is more than the 30.00 left to refund"):
        refund(payment, "40.00", staff=staff)

    assert PaymentRefund.objects.count() == 1
    assert sandbox_refunds(payment) == [Decimal("70.00")]
    assert invoice_of(payment).amount_paid == Decimal("30.00")


def test_a_refund_being_asked_for_counts_against_what_is_left(contact, staff, settings):
    payment = card_payment(contact)
    settings.PAYMENT_GATEWAY = UNREACHABLE
    pending = refund(payment, "80.00", staff=staff)
    settings.PAYMENT_GATEWAY = "sandbox"
    assert pending.status == PaymentRefund.Status.PENDING

    with pytest.raises(RefundRefused, match=r"more than the 20.00 left"):
        refund(payment, "30.00", staff=staff)


def test_a_payment_refunded_in_full_is_refused_another_refund(contact, staff):
    payment = card_payment(contact)
    refund(payment, "100.00", staff=staff)

    with pytest.raises(RefundRefused, match="is refunded in full already"):
        refund(payment, "1.00", staff=staff)


def test_a_failed_payment_is_refused(contact, staff):
    payment = pay(contact, saved_card(contact, DECLINED))
    assert payment.status == Payment.Status.FAILED

    with pytest.raises(RefundRefused, match="did not go through"):
        refund(payment, "10.00", staff=staff)

    assert PaymentRefund.objects.count() == 0


def test_an_offline_payment_is_refused_it_is_reversed_instead(staff):
    cheque = OfflinePaymentFactory(send_receipt=False)

    with pytest.raises(RefundRefused, match="reversed instead"):
        refund(cheque, "10.00", staff=staff)

    assert PaymentRefund.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "reason", "said"),
    [
        ("0.00", "Work not done", "at least 0.01"),
        ("10.005", "Work not done", "at least 0.01"),
        ("10.00", "   ", "Say why"),
    ],
)
def test_an_amount_that_is_not_cents_or_no_reason_is_refused(contact, staff, amount, reason, said):
    payment = card_payment(contact)

    with pytest.raises(RefundRefused, match=said):
        refund(payment, amount, staff=staff, reason=reason)

    assert PaymentRefund.objects.count() == 0


def test_only_staff_refund(contact):
    payment = card_payment(contact)

    with pytest.raises(RefundRefused, match="Only staff"):
        refund(payment, "10.00", staff=StaffFactory(is_staff=False))


def test_the_same_key_twice_is_one_refund(contact, staff):
    payment = card_payment(contact)

    first = refund(payment, "40.00", staff=staff, key="refund-once")
    again = refund(payment, "40.00", staff=staff, key="refund-once")

    assert again.pk == first.pk
    assert sandbox_refunds(payment) == [Decimal("40.00")]
    assert len(refunded_entries()) == 1
    assert len(refund_emails(contact)) == 1
    assert invoice_of(payment).amount_paid == Decimal("60.00")


def test_a_key_of_another_payments_refund_is_refused(contact, staff):
    first, other = card_payment(contact), card_payment(contact)
    refund(first, "10.00", staff=staff, key="refund-of-the-first")

    with pytest.raises(RefundRefused, match="expired"):
        refund(other, "10.00", staff=staff, key="refund-of-the-first")


def test_no_answer_leaves_it_pending_and_the_retry_with_its_key_is_one_refund(
    contact, staff, settings
):
    payment = card_payment(contact)
    settings.PAYMENT_GATEWAY = ANSWER_LOST

    pending = refund(payment, "40.00", staff=staff)

    assert pending.status == PaymentRefund.Status.PENDING
    assert sandbox_refunds(payment) == [Decimal("40.00")]  # the processor did it
    assert invoice_of(payment).status == Invoice.Status.PAID  # Trellis does not know yet
    assert refund_emails(contact) == []

    with committed():
        retried = refund_retry(refund=PaymentRefund.objects.get(pk=pending.pk))

    assert retried.status == PaymentRefund.Status.SUCCEEDED
    assert sandbox_refunds(payment) == [Decimal("40.00")]  # still one refund
    assert invoice_of(payment).amount_paid == Decimal("60.00")
    assert len(refunded_entries()) == 1
    assert len(refund_emails(contact)) == 1


def test_the_same_form_posted_again_asks_again_with_the_same_key(contact, staff, settings):
    payment = card_payment(contact)
    settings.PAYMENT_GATEWAY = ANSWER_LOST
    refund(payment, "40.00", staff=staff, key="refund-posted-twice")

    again = refund(payment, "40.00", staff=staff, key="refund-posted-twice")

    assert again.status == PaymentRefund.Status.SUCCEEDED
    assert PaymentRefund.objects.count() == 1
    assert sandbox_refunds(payment) == [Decimal("40.00")]


def test_the_reconciliation_retries_a_refund_left_pending_once_it_is_old_enough(
    contact, staff, settings
):
    payment = card_payment(contact)
    settings.PAYMENT_GATEWAY = ANSWER_LOST
    pending = refund(payment, "40.00", staff=staff)

    with committed():
        too_soon = payments_reconcile()
    assert too_soon.refunds == 0
    assert PaymentRefund.objects.get(pk=pending.pk).status == PaymentRefund.Status.PENDING

    with committed():
        run = payments_reconcile(now=later())

    assert (run.refunded, run.refund_refused, run.refund_pending) == (1, 0, 0)
    assert "1 pending refund asked about: 1 refunded, 0 refused, 0 still pending" in run.summary()
    assert PaymentRefund.objects.get(pk=pending.pk).status == PaymentRefund.Status.SUCCEEDED
    assert sandbox_refunds(payment) == [Decimal("40.00")]
    assert invoice_of(payment).amount_paid == Decimal("60.00")


def test_a_refund_the_processor_refuses_is_recorded_failed_with_its_reason(contact, staff):
    payment = card_payment(contact)
    # Refunded in the processor's dashboard meanwhile, and not yet heard of.
    processor.refund_create(
        charge=payment.processor_reference,
        amount=Decimal("80.00"),
        currency="USD",
        idempotency_key="dashboard",
    )

    refused = refund(payment, "50.00", staff=staff)

    assert refused.status == PaymentRefund.Status.FAILED
    assert refused.failure_message == "The refund is more than what is left of this payment."
    invoice = invoice_of(payment)
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("100.00"))
    assert refunded_entries() == []
    assert AuditEntry.objects.filter(action="payment.refund_failed").count() == 1
    assert refund_emails(contact) == []


# --- the customer is told --------------------------------------------------------


def test_the_customer_is_emailed_in_english_with_a_link_to_the_invoice(contact, staff, greenway):
    payment = card_payment(contact)

    refund(payment, "40.00", staff=staff)

    [email] = refund_emails(contact)
    number = invoice_of(payment).number
    dash = "\N{EN DASH}"
    assert email.subject == (
        f"A refund of your payment on invoice {number} {dash} Greenway Landscaping"
    )
    assert "Hello Alice," in email.body_text
    assert (
        f"We have refunded 40.00 USD of your payment of 100.00 USD on invoice {number}."
        in email.body_text
    )
    assert "Balance due: 40.00 USD" in email.body_text
    assert reverse("portal:invoice", args=[payment.invoice_id]) in email.body_text
    assert reverse("portal:invoice", args=[payment.invoice_id]) in email.body_html
    assert "Work not done" not in email.body_text  # staff's words stay in the office


def test_the_customer_is_emailed_in_spanish_when_that_is_their_language(staff):
    contact = ContactFactory(first_name="Alicia", email="alicia@example.com", language="es")
    payment = card_payment(contact)

    refund(payment, "40.00", staff=staff)

    [email] = refund_emails(contact)
    assert "Hola, Alicia:" in email.body_text
    assert "Saldo pendiente" in email.body_text and "Saldo pendiente" in email.body_html
    assert "Hello" not in email.body_text


def test_a_security_log_line_is_written_once_it_commits(contact, staff, caplog):
    payment = card_payment(contact)

    with caplog.at_level(logging.INFO, logger="trellis.security"):
        made = refund(payment, "40.00", staff=staff)

    [line] = [r.getMessage() for r in caplog.records if '"payment.refunded"' in r.getMessage()]
    assert f'"refund_id": {made.pk}' in line and f'"user_id": {staff.pk}' in line


def test_the_portals_payment_page_shows_the_refund(client, alice, staff):
    payment = card_payment(alice.contact)
    made = refund(payment, "40.00", staff=staff)
    client.force_login(alice)

    response = client.get(reverse("portal:payment", args=[payment.invoice_id, payment.pk]))

    assert response.status_code == 200
    day = timezone.localtime(made.completed_at).strftime("%B %-d, %Y")
    assert f"Refunded $40.00 on {day}" in response.text


def test_once_refunded_in_full_the_invoice_takes_a_cheque_or_can_be_voided(contact, staff):
    paid = card_payment(contact)
    with pytest.raises(InvoiceChangeRefused):
        invoice_void(invoice_id=paid.invoice_id, actor=staff, reason="Billed twice")
    refund(paid, "100.00", staff=staff)

    cheque = payment_record_offline(
        invoice_id=paid.invoice_id,
        amount=Decimal("100.00"),
        means=Payment.Means.CHEQUE,
        reference="1042",
        received_on=timezone.localdate(),
        recorded_by=staff,
    )
    assert invoice_of(cheque).status == Invoice.Status.PAID

    other = card_payment(contact)
    refund(other, "100.00", staff=staff)
    voided = invoice_void(invoice_id=other.invoice_id, actor=staff, reason="Billed twice")
    assert (voided.status, voided.amount_paid) == (Invoice.Status.VOID, Decimal("0.00"))
