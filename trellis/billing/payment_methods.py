"""A contact's saved payment methods: add (through the processor), make one the
default, remove. A contact has at most one default among the methods not
removed (a database constraint); each change locks the contact's row so two
changes at once cannot both pick a default."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing import throttles
from trellis.billing.gateways import get_gateway
from trellis.billing.gateways.base import CardEntry, PaymentDeclined
from trellis.billing.models import CardSaveAttempt, PaymentMethod
from trellis.billing.processor_customers import processor_customer_of
from trellis.customers.models import Contact
from trellis.security_log import security_event

Result = CardSaveAttempt.Result

REMOVED = _("This payment method was removed.")
EXPIRED_NOT_DEFAULT = _("An expired card cannot be your default payment method.")


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
    None when the contact saves it. The first method becomes the default. A
    `one_time` card (paid with once, then removed) is not held to the number of
    methods a contact keeps.
    """
    holder_name = holder_name.strip()
    attempt = None
    with transaction.atomic():
        _lock(contact)
        if not one_time:
            throttles.payment_methods_room_check(contact=contact, saved_by=saved_by)
        if saved_by is None:
            attempt = throttles.card_save_attempt_record(contact=contact)
    gateway = get_gateway()
    try:
        saved = gateway.card_save(
            token=token,
            customer=processor_customer_of(contact=contact, gateway=gateway),
            idempotency_key=uuid.uuid4().hex,
        )
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
    with transaction.atomic():
        _lock(contact)
        if not one_time:  # again: another save may have taken the last place meanwhile
            throttles.payment_methods_room_check(contact=contact, saved_by=saved_by)
        current = payment_methods_of(contact=contact)
        default = make_default or not current.filter(is_default=True).exists()
        if default:
            current.filter(is_default=True).update(is_default=False)
        method = PaymentMethod.objects.create(
            contact=contact,
            processor=gateway.name,
            token=saved.token,
            brand=saved.brand,
            last4=saved.last4,
            exp_month=saved.exp_month,
            exp_year=saved.exp_year,
            holder_name=holder_name,
            billing_postcode=postcode.strip(),
            is_default=default,
            saved_by_staff=saved_by,
        )
        if saved_by is not None:
            audit_record(
                action="payment_method.saved_by_staff",
                target=method,
                actor=saved_by,
                data={
                    "contact": contact.pk,
                    "brand": method.brand,
                    "last4": method.last4,
                    "expiry": f"{method.exp_month:02d}/{method.exp_year}",
                    "default": default,
                },
            )
        if attempt is not None:
            throttles.card_save_attempt_answered(attempt=attempt, result=Result.SAVED)
    return method


def payment_method_set_default(*, method: PaymentMethod) -> PaymentMethod:
    """Make `method` its contact's default; an expired or removed one cannot be."""
    with transaction.atomic():
        _lock(method.contact)
        method.refresh_from_db()
        if method.removed_at is not None:
            raise PaymentMethodRefused(str(REMOVED))
        if method.expired_on(timezone.localdate()):
            raise PaymentMethodRefused(str(EXPIRED_NOT_DEFAULT))
        if not method.is_default:
            payment_methods_of(contact=method.contact).filter(is_default=True).update(
                is_default=False
            )
            method.is_default = True
            method.save(update_fields=["is_default"])
    return method


def payment_method_remove(*, method: PaymentMethod) -> PaymentMethod | None:
    """Remove `method` (it stays for the payments made with it). If it was the
    default, the newest remaining card not expired becomes the default, which
    is returned; else None."""
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
        remaining = payment_methods_of(contact=method.contact).order_by("-created_at", "-id")
        successor = next((m for m in remaining if not m.expired_on(today)), None)
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
        return successor
