"""Payments the sandbox processor knows more about than Trellis: charged, or
waiting for the customer's bank, or never seen, while Trellis's row is still
pending. Made through the real paths (`invoice_pay`, the sandbox and its bank
prompt); only what a dead process or a lost answer would leave is left."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.test import Client, TestCase
from django.utils import timezone

from trellis.billing.models import Payment, PaymentMethod
from trellis.billing.payments import PaymentUnavailable, invoice_pay
from trellis.billing.reconciliation import RECONCILE_AFTER
from trellis.billing.tests.methods import (
    NEEDS_AUTHENTICATION,
    TIMES_OUT_ONCE,
    due_invoice,
    key,
    saved_card,
)
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as SandboxCharge
from trellis.sandbox_processor.models import Event as SandboxEvent

UNREACHABLE = "trellis.billing.tests.lookup_gateways.UnreachableGateway"


@contextlib.contextmanager
def committed() -> Iterator[None]:
    """Run what waits for the commit (the receipt's task) at the end of the block."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def pay(contact: Contact, method: PaymentMethod, amount: str = "100.00") -> Payment:
    """Pay a new due invoice of the contact's, as the portal's confirm step does;
    the payment, whatever became of it (pending when the processor did not answer)."""
    invoice = due_invoice(contact)
    with committed():
        try:
            return invoice_pay(
                invoice_id=invoice.pk,
                contact=contact,
                company=Company.load(),
                method=method,
                amount=Decimal(amount),
                idempotency_key=key(),
            )
        except PaymentUnavailable as unavailable:
            return unavailable.payment


def charged_not_recorded(contact: Contact) -> Payment:
    """Charged by the processor, whose answer never came back: pending in Trellis."""
    payment = pay(contact, saved_card(contact, TIMES_OUT_ONCE))
    assert payment.status == Payment.Status.PENDING
    assert sandbox_charges(payment) == [SandboxCharge.Status.SUCCEEDED]
    return payment


def waiting_for_the_bank(contact: Contact) -> Payment:
    """A charge the customer's bank wants them to confirm (3-D Secure)."""
    payment = pay(contact, saved_card(contact, NEEDS_AUTHENTICATION))
    assert payment.status == Payment.Status.PENDING
    assert sandbox_charges(payment) == [SandboxCharge.Status.REQUIRES_ACTION]
    return payment


def never_charged(contact: Contact, settings) -> Payment:
    """Stored, but the processor never heard of it (the request never reached it)."""
    gateway = settings.PAYMENT_GATEWAY
    settings.PAYMENT_GATEWAY = UNREACHABLE
    try:
        payment = pay(contact, saved_card(contact))
    finally:
        settings.PAYMENT_GATEWAY = gateway
    assert payment.status == Payment.Status.PENDING
    assert sandbox_charges(payment) == []
    return payment


def bank_answers(action: dict[str, str] | object, *, confirmed: bool) -> None:
    """The customer answers their bank's prompt, on the sandbox's own page."""
    url = action["url"]  # type: ignore[index]
    response = Client().post(urlsplit(url).path, {"result": "complete" if confirmed else "fail"})
    assert response.status_code in (200, 302), response.status_code


def sandbox_charges(payment: Payment) -> list[str]:
    """The statuses of the charges the sandbox made with the payment's key."""
    return list(
        SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).values_list(
            "status", flat=True
        )
    )


def sandbox_events(payment: Payment, type: str | None = None) -> list[SandboxEvent]:
    """The webhook events the sandbox recorded about the payment's charge."""
    events = [
        event
        for event in SandboxEvent.objects.order_by("pk")
        if event.payload["data"]["object"].get("metadata", {}).get("idempotency_key")
        == payment.idempotency_key
    ]
    return [event for event in events if type is None or event.type == type]


def receipts(payment: Payment) -> int:
    """The receipts sent for the payment."""
    return OutgoingEmail.objects.filter(
        kind=OutgoingEmail.Kind.RECEIPT, about_id=str(payment.pk)
    ).count()


def later() -> datetime:
    """A moment when a payment made now is old enough to reconcile."""
    return timezone.now() + RECONCILE_AFTER + timedelta(minutes=1)
