"""What the sandbox does with US bank accounts (ACH): saving one from the bank
field's token, verifying it by the two small deposits, charging it, and the
days later when the payment clears or the bank returns it.

A bank payment is not known good when it is made: it is "processing" until
the sandbox's clock (clock.py) passes its clears_at, four days on, and then
`ach_settle_due` settles it with a charge.succeeded or charge.failed event
(the return's code: ach_insufficient_funds R01, ach_account_closed R02). The
sweeper calls it through events.sandbox_events_deliver_due, and `trellis
sandbox_advance` moves the clock on to get there sooner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from trellis.sandbox_processor import behaviours
from trellis.sandbox_processor.charges import Declined, charge_settle, reference_new
from trellis.sandbox_processor.clock import clock_move, sandbox_now
from trellis.sandbox_processor.ledger import operation_once
from trellis.sandbox_processor.models import BankAccount, Charge, Customer
from trellis.sandbox_processor.tokens import TokenUnusable, bank_token_consume

BANK_ACCOUNT_PREFIX = "ba_"
CLEARING_TIME = timedelta(days=4)
# Wrong deposit amounts the sandbox takes before it gives up on an account.
VERIFY_ATTEMPTS = 3
MICRO_DEPOSITS = tuple(sorted(Decimal(amount) for amount in behaviours.MICRO_DEPOSITS))


def bank_save(*, token: str, customer: str, idempotency_key: str) -> BankAccount:
    """The account the bank token stands for, kept for `customer`: verified at
    once for the instant test account, else waiting for its two deposits to be
    confirmed. Declined "bank_token_invalid" for a token that is unknown,
    used, expired or another customer's."""

    def save() -> dict[str, Any]:
        owner = Customer.objects.filter(reference=customer).first()
        if owner is None:
            return {"declined": "bank_token_invalid"}
        try:
            tokenised = bank_token_consume(token_id=token, customer=customer)
        except TokenUnusable:
            return {"declined": "bank_token_invalid"}
        instant = tokenised.behaviour == behaviours.VERIFIED_INSTANTLY
        account = BankAccount.objects.create(
            reference=reference_new("ba"),
            customer=owner,
            bank_name=tokenised.bank_name,
            last4=tokenised.last4,
            account_type=tokenised.account_type,
            behaviour=tokenised.behaviour,
            verification=(
                BankAccount.Verification.VERIFIED if instant else BankAccount.Verification.PENDING
            ),
        )
        return {"bank_account": account.reference}

    answer, _ = operation_once("bank_save", idempotency_key, save)
    if "declined" in answer:
        raise Declined(answer["declined"])
    return BankAccount.objects.get(reference=answer["bank_account"])


def bank_verify(
    *, account: str, customer: str, amounts: tuple[Decimal, Decimal], idempotency_key: str
) -> bool:
    """Whether the two amounts, in either order, are the deposits the sandbox
    sent to `account` (always 0.32 and 0.45): True verifies it. Declined
    "verification_failed" when it cannot be verified (the failing test
    account; or VERIFY_ATTEMPTS wrong tries, the last of which answers False),
    "bank_account_invalid" when there is no such account of `customer`."""

    def verify() -> dict[str, Any]:
        saved = (
            BankAccount.objects.select_for_update()
            .filter(reference=account, customer__reference=customer)
            .first()
        )
        if saved is None:
            return {"declined": "bank_account_invalid"}
        if saved.verification == BankAccount.Verification.VERIFIED:
            return {"verified": True}
        if saved.behaviour == behaviours.VERIFICATION_FAILS:
            saved.verification = BankAccount.Verification.FAILED
            saved.save(update_fields=["verification"])
        if saved.verification == BankAccount.Verification.FAILED:
            return {"declined": "verification_failed"}
        if tuple(sorted(Decimal(amount) for amount in amounts)) == MICRO_DEPOSITS:
            saved.verification = BankAccount.Verification.VERIFIED
            saved.save(update_fields=["verification"])
            return {"verified": True}
        saved.verify_attempts += 1
        if saved.verify_attempts >= VERIFY_ATTEMPTS:
            saved.verification = BankAccount.Verification.FAILED
        saved.save(update_fields=["verify_attempts", "verification"])
        return {"verified": False}

    answer, _ = operation_once("bank_verify", idempotency_key, verify)
    if "declined" in answer:
        raise Declined(answer["declined"])
    return bool(answer["verified"])


def bank_charge_begin(
    *, account: str, customer: str, amount: Decimal, currency: str, idempotency_key: str
) -> dict[str, Any]:
    """A charge of a verified account, "processing" until it clears; the
    answer processor.charge_create keeps for its idempotency key. Declined
    "account_not_verified" before the deposits are confirmed: raised, so the
    ledger keeps nothing and the same key works once they are."""
    saved = BankAccount.objects.filter(reference=account, customer__reference=customer).first()
    if saved is None or saved.verification == BankAccount.Verification.FAILED:
        return {"declined": "bank_account_invalid"}
    if saved.verification != BankAccount.Verification.VERIFIED:
        raise Declined("account_not_verified")
    charge = Charge.objects.create(
        reference=reference_new("ch"),
        idempotency_key=idempotency_key,
        bank_account=saved,
        amount=amount,
        currency=currency.upper(),
        status=Charge.Status.PROCESSING,
        clears_at=sandbox_now() + CLEARING_TIME,
    )
    return {"charge": charge.reference, "status": charge.status}


@dataclass
class SettleRun:
    succeeded: int = 0
    returned: int = 0


def ach_settle_due(*, now: datetime | None = None) -> SettleRun:
    """Settle every bank payment whose clearing time has passed on the
    sandbox's clock (or `now`): it clears, or the bank returns it as the
    account's behaviour says. Each once: a charge is settled under its lock."""
    now = now or sandbox_now()
    run = SettleRun()
    due = Charge.objects.filter(status=Charge.Status.PROCESSING, clears_at__lte=now)
    for charge_id in due.order_by("clears_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            charge = (
                Charge.objects.select_for_update(of=("self",))
                .select_related("bank_account")
                .filter(pk=charge_id, status=Charge.Status.PROCESSING)
                .first()
            )
            if charge is None or charge.bank_account is None:
                continue  # settled meanwhile by another sweep
            returned = charge.bank_account.behaviour in behaviours.ACH_RETURNS
            charge_settle(charge, failure_code=charge.bank_account.behaviour if returned else "")
            if returned:
                run.returned += 1
            else:
                run.succeeded += 1
    return run


def clock_advance(*, days: int) -> SettleRun:
    """Move the sandbox's clock on by `days` and settle what has cleared by then."""
    return ach_settle_due(now=clock_move(timedelta(days=days)))
