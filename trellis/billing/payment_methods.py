"""A contact's saved payment methods: add (through the processor), make one the
default, remove. A contact has at most one default card and one default bank
account among the methods not removed (a database constraint); each change
locks the contact's row so two changes at once cannot both pick a default.
Bank accounts are added and verified in trellis.billing.bank_accounts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing import throttles
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import (
    CardEntry,
    Gateway,
    GatewayUnavailable,
    PaymentDeclined,
)
from trellis.billing.models import CardSaveAttempt, PaymentMethod
from trellis.billing.processor_customers import processor_customer_of
from trellis.customers.models import Contact
from trellis.security_log import security_event

Result = CardSaveAttempt.Result

REMOVED = _("This payment method was removed.")
EXPIRED_NOT_DEFAULT = _("An expired card cannot be your default payment method.")
NOT_VERIFIED_NOT_DEFAULT = _(
    "Confirm the two small deposits first: a bank account can be your default once it is verified."
)


class PaymentMethodRefused(Exception):
    """The change cannot be made; `message` says why, in the customer's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def payment_methods_of(*, contact: Contact) -> QuerySet[PaymentMethod]:
    """The contact's methods not removed: the default first, then the newest."""
    return PaymentMethod.objects.filter(contact=contact, removed_at__isnull=True).select_related(
        "saved_by_staff"
    )


def _lock(contact: Contact) -> None:
    Contact.objects.select_for_update().filter(pk=contact.pk).first()


def card_entry_for(*, contact: Contact, language: str) -> CardEntry:
    """What a page needs to show the processor's card field for `contact`.
    GatewayUnavailable if the processor cannot be reached (the page then says
    so and offers no card field)."""
    gateway = get_gateway()
    customer = processor_customer_of(contact=contact, gateway=gateway)
    return gateway.card_entry(customer=customer, language=language)


def bank_entry_for(*, contact: Contact, language: str) -> CardEntry:
    """What a page needs to show the processor's bank account field for
    `contact`; GatewayUnavailable as for `card_entry_for`."""
    gateway = get_gateway()
    customer = processor_customer_of(contact=contact, gateway=gateway)
    return gateway.bank_entry(customer=customer, language=language)


def entry_or_none(*, contact: Contact, language: str, kind: str = "card") -> CardEntry | None:
    """`card_entry_for` (or `bank_entry_for`, kind "bank_account"), or None
    when the processor cannot be reached: the page then says so."""
    entry_for = bank_entry_for if kind == PaymentMethod.Kind.BANK_ACCOUNT else card_entry_for
    try:
        return entry_for(contact=contact, language=language)
    except GatewayUnavailable:
        return None


Saved = TypeVar("Saved")


def saved_with_processor(
    *,
    contact: Contact,
    saved_by: User | None,
    one_time: bool,
    save: Callable[[Gateway, str], Saved],
) -> tuple[Saved, CardSaveAttempt | None]:
    """Ask the processor to keep a method (`save(gateway, customer)`), once
    the limits of trellis.billing.throttles allow it: a customer's try is
    counted whatever the processor answers (card and bank account testers
    alike). Raises ValidationError at a limit, PaymentDeclined as the
    processor does; returns what it saved and the try to mark saved."""
    attempt = None
    with transaction.atomic():
        _lock(contact)
        if not one_time:
            throttles.payment_methods_room_check(contact=contact, saved_by=saved_by)
        if saved_by is None:
            attempt = throttles.card_save_attempt_record(contact=contact)
    gateway = get_gateway()
    try:
        saved = save(gateway, processor_customer_of(contact=contact, gateway=gateway))
    except PaymentDeclined as declined:
        if attempt is not None:
            throttles.card_save_attempt_answered(attempt=attempt, result=Result.DECLINED)
        security_event(
            "payment_method.declined",
            user=saved_by or throttles.account_of(contact),
            outcome=declined.code,
            contact_id=contact.pk,
        )
        raise
    return saved, attempt


def method_store(
    *,
    contact: Contact,
    saved_by: User | None,
    one_time: bool,
    make_default: bool,
    attempt: CardSaveAttempt | None,
    audit: dict[str, object],
    **fields: object,
) -> PaymentMethod:
    """Keep what the processor saved as the contact's method: the default of
    its kind when asked, or when the contact has no default of that kind (a
    bank account waiting for its deposits becomes one only once verified)."""
    kind = fields.get("kind", PaymentMethod.Kind.CARD)
    chargeable = fields.get("verification", PaymentMethod.Verification.VERIFIED) == (
        PaymentMethod.Verification.VERIFIED
    )
    with transaction.atomic():
        _lock(contact)
        if not one_time:  # again: another save may have taken the last place meanwhile
            throttles.payment_methods_room_check(contact=contact, saved_by=saved_by)
        current = payment_methods_of(contact=contact).filter(kind=kind)
        default = chargeable and (make_default or not current.filter(is_default=True).exists())
        if default:
            current.filter(is_default=True).update(is_default=False)
        method = PaymentMethod.objects.create(
            contact=contact,
            processor=get_gateway().name,
            is_default=default,
            saved_by_staff=saved_by,
            **fields,
        )
        if saved_by is not None:
            audit_record(
                action="payment_method.saved_by_staff",
                target=method,
                actor=saved_by,
                data={"contact": contact.pk, "kind": kind, "default": default} | audit,
            )
        if attempt is not None:
            throttles.card_save_attempt_answered(attempt=attempt, result=Result.SAVED)
    return method


def payment_method_add(
    *,
    contact: Contact,
    token: str,
    holder_name: str,
    postcode: str = "",
    saved_by: User | None,
    make_default: bool,
    one_time: bool = False,
) -> PaymentMethod:
    """Save the card the processor tokenised in the browser (`token`) and keep
    what may be kept of it: the brand, last four digits and expiry the processor
    reports, with the name on the card and the billing postcode.

    Raises ValidationError if a limit of trellis.billing.throttles is reached
    (before the processor is called: the contact keeps as many methods as
    allowed, or, for a customer, too many cards were tried in the last hour)
    and PaymentDeclined if the processor refuses the card or the token; nothing
    is saved then. `saved_by` is the staff member saving it for the contact, or
    None when the contact saves it. The first card becomes the default card. A
    `one_time` card (paid with once, then removed) is not held to the number of
    methods a contact keeps.
    """
    saved, attempt = saved_with_processor(
        contact=contact,
        saved_by=saved_by,
        one_time=one_time,
        save=lambda gateway, customer: gateway.card_save(
            token=token, customer=customer, idempotency_key=uuid.uuid4().hex
        ),
    )
    return method_store(
        contact=contact,
        saved_by=saved_by,
        one_time=one_time,
        make_default=make_default,
        attempt=attempt,
        audit={
            "brand": saved.brand,
            "last4": saved.last4,
            "expiry": f"{saved.exp_month:02d}/{saved.exp_year}",
        },
        kind=PaymentMethod.Kind.CARD,
        token=saved.token,
        brand=saved.brand,
        last4=saved.last4,
        exp_month=saved.exp_month,
        exp_year=saved.exp_year,
        holder_name=holder_name.strip(),
        billing_postcode=postcode.strip(),
    )


def payment_method_set_default(*, method: PaymentMethod) -> PaymentMethod:
    """Make `method` its contact's default of its kind (card or bank account);
    an expired, unverified or removed one cannot be."""
    with transaction.atomic():
        _lock(method.contact)
        method.refresh_from_db()
        if method.removed_at is not None:
            raise PaymentMethodRefused(str(REMOVED))
        if method.expired_on(timezone.localdate()):
            raise PaymentMethodRefused(str(EXPIRED_NOT_DEFAULT))
        if not method.chargeable:
            raise PaymentMethodRefused(str(NOT_VERIFIED_NOT_DEFAULT))
        if not method.is_default:
            payment_methods_of(contact=method.contact).filter(
                kind=method.kind, is_default=True
            ).update(is_default=False)
            method.is_default = True
            method.save(update_fields=["is_default"])
    return method


def payment_method_remove(*, method: PaymentMethod) -> PaymentMethod | None:
    """Remove `method` (it stays for the payments made with it). If it was the
    default, the newest remaining method of its kind that can be charged (a
    card not expired, a verified bank account) becomes the default, which is
    returned; else None."""
    with transaction.atomic():
        _lock(method.contact)
        method.refresh_from_db()
        if method.removed_at is not None:
            return None
        was_default = method.is_default
        method.removed_at = timezone.now()
        method.is_default = False
        method.save(update_fields=["removed_at", "is_default"])
        if not was_default:
            return None
        today = timezone.localdate()
        remaining = (
            payment_methods_of(contact=method.contact)
            .filter(kind=method.kind, verification=PaymentMethod.Verification.VERIFIED)
            .order_by("-created_at", "-id")
        )
        successor = next((m for m in remaining if not m.expired_on(today)), None)
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
        return successor
