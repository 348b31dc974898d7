"""Staff emails about the inbox: at once, as an item is added, to those who asked
for it (and to the company's notification address, for the customer activity
it was always told of); and once a day, a digest of the open items since the
last one. The one path staff are emailed about portal activity by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import User
from trellis.company.models import Company
from trellis.inbox.models import DigestSent, InboxItem, NotificationPreference
from trellis.inbox.wording import item_details, item_headline, item_office_path
from trellis.mail.models import OutgoingEmail
from trellis.mail.services import email_queue_from_company

Kind = InboxItem.Kind
Delivery = NotificationPreference.Delivery

# What the company's notification address (Company.staff_notification_email)
# is told of, as it was before the inbox: the customers' own activity.
COMPANY_ADDRESS_KINDS = frozenset(
    {
        Kind.PROPOSAL_APPROVED,
        Kind.PROPOSAL_DECLINED,
        Kind.REQUEST_OPENED,
        Kind.REQUEST_COMMENTED,
    }
)
# The items in one digest email, newest first; the email says how many more.
DIGEST_MAX_ITEMS = 100
# Every object an item may be about, loaded with it (the wording reads them).
ITEM_RELATED = (
    "property",
    "contact",
    "proposal",
    "invoice",
    "payment",
    "issue",
    "comment",
    "email",
    "access_token",
    "done_by",
)


@dataclass(frozen=True)
class StaffEmail:
    """An email of the event's own words: templates/mail/<template>_*.txt|html."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


def _about(item: InboxItem) -> models.Model:
    for name in ("proposal", "issue", "payment", "email", "contact"):
        obj = getattr(item, name)
        if obj is not None:
            return obj
    return item


def _office_url(item: InboxItem) -> str:
    path = item_office_path(item)
    return settings.PUBLIC_BASE_URL + (path or reverse("office:home"))


def staff_notify_now(
    *, item: InboxItem, company: Company, staff_email: StaffEmail | None
) -> list[OutgoingEmail]:
    """Queue the emails staff asked to get at once about this item."""
    to: list[str] = []
    if item.kind in COMPANY_ADDRESS_KINDS and company.staff_notification_email:
        to.append(company.staff_notification_email)
    to += [
        address
        for address in User.objects.filter(
            is_staff=True,
            is_active=True,
            email__isnull=False,
            inbox_preferences__kind=item.kind,
            inbox_preferences__delivery=Delivery.IMMEDIATELY,
        )
        .order_by("pk")
        .values_list("email", flat=True)
        if address
    ]
    template = staff_email.template if staff_email else "inbox_item"
    context = {
        **(staff_email.context if staff_email else {}),
        "item": item,
        "headline": item_headline(item),
        "details": item_details(item),
        "office_url": _office_url(item),
    }
    sent: list[OutgoingEmail] = []
    seen: set[str] = set()
    for address in to:
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        sent.append(
            email_queue_from_company(
                kind=OutgoingEmail.Kind.NOTIFICATION,
                template=template,
                to=address,
                language="en",  # the office is in English
                company=company,
                context=context,
                about=_about(item),
            )
        )
    return sent


@dataclass
class DigestRun:
    emails: int = 0
    items: int = 0


def inbox_digest_send(*, now: datetime | None = None) -> DigestRun:
    """Email each staff member who chose the daily digest for some kinds one
    email of the open items of those kinds added since their last digest (or
    the last day, for a first one); nobody with nothing new gets an email."""
    now = now or timezone.now()
    run = DigestRun()
    wanting = (
        User.objects.filter(
            is_staff=True,
            is_active=True,
            email__isnull=False,
            inbox_preferences__delivery=Delivery.DIGEST,
        )
        .distinct()
        .order_by("pk")
    )
    company = Company.load()
    for user in wanting:
        with transaction.atomic():
            run.items += _digest_one(user=user, company=company, now=now, run=run)
    return run


def _digest_one(*, user: User, company: Company, now: datetime, run: DigestRun) -> int:
    sent, _ = DigestSent.objects.select_for_update().get_or_create(
        user=user, defaults={"up_to": now - timedelta(days=1)}
    )
    kinds = list(
        NotificationPreference.objects.filter(user=user, delivery=Delivery.DIGEST).values_list(
            "kind", flat=True
        )
    )
    new = InboxItem.objects.filter(
        done_at__isnull=True, kind__in=kinds, created_at__gt=sent.up_to, created_at__lte=now
    )
    count = new.count()
    if count:
        items = list(
            new.select_related(*ITEM_RELATED).order_by("-created_at", "-id")[:DIGEST_MAX_ITEMS]
        )
        email_queue_from_company(
            kind=OutgoingEmail.Kind.NOTIFICATION,
            template="inbox_digest",
            to=user.email or "",
            language="en",
            company=company,
            context={
                "user": user,
                "count": count,
                "more": count - len(items),
                "entries": [
                    {
                        "item": item,
                        "headline": item_headline(item),
                        "details": item_details(item),
                        "office_url": _office_url(item),
                    }
                    for item in items
                ],
                "inbox_url": settings.PUBLIC_BASE_URL + reverse("office:home"),
            },
            about=user,
        )
        run.emails += 1
    sent.up_to = now
    sent.save(update_fields=["up_to"])
    return count
