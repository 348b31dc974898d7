"""US bank accounts (ACH): added through the processor's own field, like a
card, then verified when the processor asks for it.

The customer (or staff, for a contact) types the routing and account numbers
into the processor's field; Trellis receives a token and keeps the bank's
name, the last four digits and the type. Most accounts must then be verified:
the processor sends two small deposits, and the customer enters their amounts.
Wrong amounts are counted here, with the method's row locked: after
PaymentMethod.VERIFY_TRIES wrong tries the account can no longer be verified
(it is kept, marked failed, for the customer to remove and add again). An
account that is not verified cannot be charged, nor be a default.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import PaymentDeclined
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import (
    PaymentMethodRefused,
    method_store,
    payment_methods_of,
    saved_with_processor,
)
from trellis.billing.processor_customers import processor_customer_of
from trellis.customers.models import Contact

Verification = PaymentMethod.Verification


def bank_account_add(
    *,
    contact: Contact,
    token: str,
    holder_name: str,
    saved_by: User | None,
    make_default: bool,
) -> PaymentMethod:
    """Save the bank account the processor's field tokenised (`token`), as
    `payment_method_add` saves a card (the same limits, the same audit when
    staff save it). It is verified at once, or waits for the customer to
    confirm the two deposits (`bank_account_verify`); it becomes the default
    bank account once verified, if asked or if the contact has none."""
    saved, attempt = saved_with_processor(
        contact=contact,
        saved_by=saved_by,
        one_time=False,
        save=lambda gateway, customer: gateway.bank_save(
            token=token, customer=customer, idempotency_key=uuid.uuid4().hex
        ),
    )
    return method_store(
        contact=contact,
        saved_by=saved_by,
        one_time=False,
        make_default=make_default,
        attempt=attempt,
        audit={"bank": saved.bank_name, "last4": saved.last4, "verified": saved.verified},
        kind=PaymentMethod.Kind.BANK_ACCOUNT,
        token=saved.token,
        last4=saved.last4,
        bank_name=saved.bank_name[:100],
        account_type=saved.account_type,
        holder_name=holder_name.strip(),
        verification=Verification.VERIFIED if saved.verified else Verification.PENDING,
        verification_reference=saved.verification_reference,
    )


@dataclass(frozen=True)
class VerifyResult:
    """What came of entering the two amounts: `verified`, or the message to
    show (wrong amounts, with the tries left; or verification failed)."""

    method: PaymentMethod
    verified: bool
    message: str = ""

    @property
    def tries_left(self) -> int:
        return max(PaymentMethod.VERIFY_TRIES - self.method.verification_tries, 0)


def bank_account_verify(*, method: PaymentMethod, amounts: tuple[Decimal, Decimal]) -> VerifyResult:
    """Confirm a bank account waiting for verification with the two deposits'
    amounts. PaymentMethodRefused for one removed, verified or failed already.

    The processor is asked outside any transaction; a try is counted before
    it is asked, with the row locked, so two submissions at once cannot get
    more tries than allowed. Once verified, the account becomes the contact's
    default bank account if they have none."""
    with transaction.atomic():
        locked = PaymentMethod.objects.select_for_update().get(pk=method.pk)
        _check_verifiable(locked)
        locked.verification_tries += 1
        locked.save(update_fields=["verification_tries"])
    gateway = get_gateway()
    try:
        matched = gateway.bank_verify(
            token=locked.token,
            verification_reference=locked.verification_reference,
            customer=processor_customer_of(contact=locked.contact, gateway=gateway),
            amounts=amounts,
            idempotency_key=f"trellis-verify-{locked.pk}-{locked.verification_tries}",
        )
    except PaymentDeclined as declined:
        return _verification_end(locked, verified=False, message=declined.message)
    if matched:
        return _verification_end(locked, verified=True)
    if locked.verification_tries >= PaymentMethod.VERIFY_TRIES:
        return _verification_end(
            locked,
            verified=False,
            message=_(
                "Those amounts do not match, and that was the last try: this bank account "
                "cannot be verified. Remove it and add it again, or use another method."
            ),
        )
    left = PaymentMethod.VERIFY_TRIES - locked.verification_tries
    message = ngettext(
        "Those amounts do not match the deposits. Check your bank statement: you have "
        "%(left)d try left.",
        "Those amounts do not match the deposits. Check your bank statement: you have "
        "%(left)d tries left.",
        left,
    ) % {"left": left}
    return VerifyResult(method=locked, verified=False, message=message)


def verification_problem(method: PaymentMethod) -> str:
    """Why the account's deposits cannot be confirmed, or "" if they can: the
    verify page asks before the customer types anything."""
    if method.removed_at is not None:
        return _("This payment method was removed.")
    if method.verification == Verification.VERIFIED:
        return _("This bank account is already verified.")
    if method.verification == Verification.FAILED:
        return _("This bank account could not be verified. Remove it and add it again.")
    return ""


def _check_verifiable(method: PaymentMethod) -> None:
    problem = verification_problem(method)
    if problem:
        raise PaymentMethodRefused(problem)


def _verification_end(method: PaymentMethod, *, verified: bool, message: str = "") -> VerifyResult:
    """Record the account verified (the default bank account if the contact
    has none) or failed, once; with its audit entry."""
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=method.contact_id).first()
        locked = PaymentMethod.objects.select_for_update().get(pk=method.pk)
        if locked.verification == Verification.PENDING:
            locked.verification = Verification.VERIFIED if verified else Verification.FAILED
            fields = ["verification"]
            if verified and locked.removed_at is None:
                defaults = payment_methods_of(contact=locked.contact).filter(
                    kind=PaymentMethod.Kind.BANK_ACCOUNT, is_default=True
                )
                if not defaults.exists():
                    locked.is_default = True
                    fields.append("is_default")
            locked.save(update_fields=fields)
            audit_record(
                action="payment_method.verified" if verified else "payment_method.not_verified",
                target=locked,
                data={"contact": locked.contact_id, "tries": locked.verification_tries},
            )
    return VerifyResult(
        method=locked, verified=locked.verification == Verification.VERIFIED, message=message
    )
