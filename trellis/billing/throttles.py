"""Limits on saving cards, against card testing: someone with a list of stolen
numbers uses a form that checks a card with the processor to learn which are
live. Three limits, all checked before the processor is called:

- tries per customer account an hour (CARD_SAVES_PER_ACCOUNT_PER_HOUR);
- tries per client address an hour, whichever accounts they come from
  (CARD_SAVES_PER_IP_PER_HOUR);
- saved methods per contact (PAYMENT_METHODS_PER_CONTACT), which holds for
  staff saving a card in the office too.

A try is counted whatever the processor answered: a card tester's are mostly
declined. Staff are not throttled; they are not who tests cards in the portal.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from trellis.accounts.models import User
from trellis.billing.models import CardSaveAttempt, PaymentMethod
from trellis.customers.models import Contact
from trellis.request_context import current_client_ip
from trellis.security_log import security_event

# The codes of the ValidationErrors raised here, for callers that word them otherwise.
THROTTLED = "throttled"
METHODS_FULL = "methods_full"

WINDOW = timedelta(hours=1)


def account_of(contact: Contact) -> User | None:
    """The contact's portal account, who is throttled; None if it has none."""
    account: User | None = getattr(contact, "portal_account", None)
    return account


def payment_methods_room_check(*, contact: Contact, saved_by: User | None) -> None:
    """ValidationError (code METHODS_FULL) if the contact already keeps as many
    saved methods as a contact may. Call it with the contact's row locked."""
    limit = settings.PAYMENT_METHODS_PER_CONTACT
    kept = PaymentMethod.objects.filter(contact=contact, removed_at__isnull=True).count()
    if kept < limit:
        return
    security_event(
        "payment_method.throttled",
        user=saved_by or account_of(contact),
        outcome="refused",
        limit="methods_per_contact",
        contact_id=contact.pk,
    )
    raise ValidationError(
        ngettext(
            "You have %(limit)d saved payment method, the most you can keep. "
            "Remove one you no longer use, then add this card.",
            "You have %(limit)d saved payment methods, the most you can keep. "
            "Remove one you no longer use, then add this card.",
            limit,
        )
        % {"limit": limit},
        code=METHODS_FULL,
    )


def card_save_attempt_record(*, contact: Contact) -> CardSaveAttempt:
    """Count the customer's try at saving a card, about to go to the processor;
    or refuse it with a ValidationError (code THROTTLED) when their account or
    their address has tried as often as allowed in the last hour. Call it with
    the contact's row locked, so two tries at once are counted one by one.

    The address is the request's (trellis.request_context), so every form that
    saves a card is counted alike.
    """
    ip = current_client_ip()
    since = timezone.now() - WINDOW
    recent = CardSaveAttempt.objects.filter(created_at__gte=since)
    per_account = settings.CARD_SAVES_PER_ACCOUNT_PER_HOUR
    buckets: list[tuple[str, QuerySet[CardSaveAttempt], int]] = [
        ("per_account", recent.filter(contact=contact), per_account)
    ]
    if ip:
        per_address = settings.CARD_SAVES_PER_IP_PER_HOUR
        buckets.append(("per_address", recent.filter(ip_address=ip), per_address))
    for limit_name, tries, limit in buckets:
        count = tries.count()
        if count >= limit:
            minutes = _minutes_until_room(tries, count=count, limit=limit)
            security_event(
                "payment_method.throttled",
                user=account_of(contact),
                outcome="refused",
                limit=limit_name,
                contact_id=contact.pk,
                tries_in_the_last_hour=count,
            )
            raise ValidationError(
                ngettext(
                    "Too many cards were tried from your account or your network in the "
                    "last hour. For your security, try again in %(minutes)d minute.",
                    "Too many cards were tried from your account or your network in the "
                    "last hour. For your security, try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code=THROTTLED,
            )
    return CardSaveAttempt.objects.create(contact=contact, ip_address=ip)


def _minutes_until_room(tries: QuerySet[CardSaveAttempt], *, count: int, limit: int) -> int:
    # Room comes when enough of the oldest tries have left the window for one more.
    if limit <= 0:  # saving cards is switched off: nothing leaving the window helps
        return int(WINDOW.total_seconds() // 60)
    times = list(tries.order_by("created_at").values_list("created_at", flat=True))
    frees_at = times[count - limit] + WINDOW
    return max(1, math.ceil((frees_at - timezone.now()).total_seconds() / 60))


def card_save_attempt_answered(*, attempt: CardSaveAttempt, result: str) -> None:
    """What the processor said to the try (CardSaveAttempt.Result)."""
    CardSaveAttempt.objects.filter(pk=attempt.pk).update(result=result)
