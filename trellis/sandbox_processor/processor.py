"""What the sandbox does when a merchant's server calls it: customers, saved
cards, charges, the bank prompt's outcome, refunds (bank accounts:
processor_banks.py). The Python API that
trellis.billing.gateways.sandbox calls, as a server calls a processor's API.

Each call that changes something takes an idempotency key: the same key again
gets the first answer and changes nothing (ledger.operation_once). Refusals
raise Declined with a code; `behaviours.reason(code)` words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import translation

from trellis.sandbox_processor import behaviours
from trellis.sandbox_processor.addresses import AUTHENTICATE, merchant_url_safe, sandbox_url
from trellis.sandbox_processor.charges import (
    CENT,
    Declined,
    Unanswered,
    charge_settle,
    reference_new,
)
from trellis.sandbox_processor.events import event_record
from trellis.sandbox_processor.ledger import operation_once
from trellis.sandbox_processor.models import Card, Charge, Customer, Refund
from trellis.sandbox_processor.processor_banks import BANK_ACCOUNT_PREFIX, bank_charge_begin
from trellis.sandbox_processor.tokens import TokenUnusable, token_consume


def customer_create(*, name: str, email: str, idempotency_key: str) -> str:
    def create() -> dict[str, Any]:
        customer = Customer.objects.create(reference=reference_new("cus"), name=name, email=email)
        return {"customer": customer.reference}

    answer, _ = operation_once("customer", idempotency_key, create)
    return str(answer["customer"])


def card_save(*, token: str, customer: str, idempotency_key: str) -> Card:
    """The card the token stands for, kept for `customer`. Declined
    "token_invalid" for a token that is unknown, used, expired or another
    customer's; "declined" for a card that refuses to be saved."""

    def save() -> dict[str, Any]:
        owner = Customer.objects.filter(reference=customer).first()
        if owner is None:
            return {"declined": "token_invalid"}
        try:
            tokenised = token_consume(token_id=token, customer=customer)
        except TokenUnusable:
            return {"declined": "token_invalid"}
        if tokenised.behaviour == behaviours.REFUSED_WHEN_SAVED:
            return {"declined": "declined"}
        card = Card.objects.create(
            reference=reference_new("card"),
            customer=owner,
            brand=tokenised.brand,
            last4=tokenised.last4,
            exp_month=tokenised.exp_month,
            exp_year=tokenised.exp_year,
            behaviour=tokenised.behaviour,
        )
        return {"card": card.reference}

    answer, _ = operation_once("card_save", idempotency_key, save)
    if "declined" in answer:
        raise Declined(answer["declined"])
    return Card.objects.get(reference=answer["card"])


@dataclass(frozen=True)
class ChargeAnswer:
    charge: Charge
    action_url: str = ""


def authentication_url(charge: Charge) -> str:
    url = sandbox_url(f"{AUTHENTICATE}{charge.authentication_id}/")
    return f"{url}?lang={charge.authentication_language}" if charge.authentication_language else url


def charge_create(
    *,
    card: str,
    customer: str,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
    customer_present: bool,
    return_url: str,
) -> Charge:
    """Charge a saved card, or a verified bank account (`card` a ba_…: the
    charge comes back "processing", processor_banks.bank_charge_begin).
    Declined for the test cards that decline (the failed charge is kept, and
    reported by a charge.failed event); a charge whose bank asks the customer
    to confirm comes back "requires_action" (off-session it is declined
    "authentication_required" instead)."""
    amount = amount.quantize(CENT)
    if amount <= 0:
        raise ValueError("A charge is for more than nothing.")

    def create() -> dict[str, Any]:
        if card.startswith(BANK_ACCOUNT_PREFIX):
            return bank_charge_begin(
                account=card,
                customer=customer,
                amount=amount,
                currency=currency,
                idempotency_key=idempotency_key,
            )
        saved = Card.objects.filter(reference=card, customer__reference=customer).first()
        if saved is None:
            return {"declined": "card_invalid"}
        charge = Charge(
            reference=reference_new("ch"),
            idempotency_key=idempotency_key,
            card=saved,
            amount=amount,
            currency=currency.upper(),
            return_url=return_url if merchant_url_safe(return_url) else "",
        )
        if saved.behaviour in behaviours.CHARGE_DECLINES:
            charge_settle(charge, failure_code=saved.behaviour)
        elif saved.behaviour == behaviours.REQUIRES_ACTION and not customer_present:
            charge_settle(charge, failure_code="authentication_required")
        elif saved.behaviour == behaviours.REQUIRES_ACTION:
            charge.status = Charge.Status.REQUIRES_ACTION
            charge.authentication_id = reference_new("auth")
            charge.authentication_language = translation.get_language() or ""
            charge.save()
        else:
            charge_settle(charge)
        if charge.failure_code:
            return {"declined": charge.failure_code, "charge": charge.reference}
        return {"charge": charge.reference, "status": charge.status}

    answer, first_time = operation_once("charge", idempotency_key, create)
    if "declined" in answer:
        raise Declined(answer["declined"])
    charge = Charge.objects.select_related("card").get(reference=answer["charge"])
    if first_time and charge.card is not None and charge.card.behaviour == behaviours.TIMEOUT_ONCE:
        raise Unanswered
    return charge


def charge_authenticate(*, authentication_id: str, confirmed: bool) -> Charge | None:
    """Record the customer's answer to their bank's prompt, once: a second
    answer changes nothing. None if there is no such prompt."""
    with transaction.atomic():
        charge = (
            Charge.objects.select_for_update().filter(authentication_id=authentication_id).first()
        )
        if charge is None:
            return None
        if charge.status == Charge.Status.REQUIRES_ACTION:
            charge_settle(charge, failure_code="" if confirmed else "authentication_failed")
        return charge


def charge_abandon(*, reference: str) -> Charge | None:
    """The merchant gives up a charge still waiting for the customer's bank:
    it fails ("authentication_abandoned", with its event) and the prompt no
    longer completes it. A charge that ended already is left as it is."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().filter(reference=reference).first()
        if charge is not None and charge.status == Charge.Status.REQUIRES_ACTION:
            charge_settle(charge, failure_code="authentication_abandoned")
        return charge


def charge_find(*, idempotency_key: str, reference: str = "") -> Charge | None:
    charge = Charge.objects.filter(idempotency_key=idempotency_key).first()
    if charge is None and reference:
        charge = Charge.objects.filter(reference=reference).first()
    return charge


def refund_create(*, charge: str, amount: Decimal, currency: str, idempotency_key: str) -> Refund:
    """Give back part or all of a succeeded charge; never more than is left
    of it (Declined "refund_too_large"), and only once per key."""
    amount = amount.quantize(CENT)
    if amount <= 0:
        raise ValueError("A refund is for more than nothing.")

    def create() -> dict[str, Any]:
        refunded = Charge.objects.select_for_update().filter(reference=charge).first()
        if refunded is None or refunded.status != Charge.Status.SUCCEEDED:
            raise Declined("not_refundable")
        if currency.upper() != refunded.currency:
            raise Declined("not_refundable")
        if amount > refunded.amount - refunded.refunded:
            raise Declined("refund_too_large")
        refund = Refund.objects.create(
            reference=reference_new("re"),
            idempotency_key=idempotency_key,
            charge=refunded,
            amount=amount,
        )
        refunded.refunded += amount
        refunded.save(update_fields=["refunded"])
        event_record(type="refund.succeeded", data=refund_data(refund))
        return {"refund": refund.reference}

    # A refusal raises inside the ledger's transaction: nothing is stored, so
    # the same key may be used again once the refund is possible.
    answer, _ = operation_once("refund", idempotency_key, create)
    return Refund.objects.get(reference=answer["refund"])


def refund_data(refund: Refund) -> dict[str, Any]:
    return {
        "object": "refund",
        "id": refund.reference,
        "amount": str(refund.amount),
        "currency": refund.charge.currency,
        "charge": refund.charge.reference,
        "status": "succeeded",
        "metadata": {
            "idempotency_key": refund.idempotency_key,
            "charge_idempotency_key": refund.charge.idempotency_key,
        },
    }
