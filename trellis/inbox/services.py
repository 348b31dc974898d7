"""Writes of the inbox: an item per event that needs a person, marked done by
staff; the sign-in trouble a contact ran into; the time-based items the sweep
finds (a payment pending too long, an invitation not accepted or expired).

`inbox_item_add` is called inside the transaction of the event's own service
(a customer's decision, a new request, a settled payment, an email given up
on), so the item exists exactly when the event does, and staff who asked to
be emailed at once get their email queued in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from trellis.accounts.models import AccessToken, User
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_record
from trellis.billing.models import Payment
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem, NotificationPreference
from trellis.inbox.notify import StaffEmail, staff_notify_now
from trellis.refusals import Refused

if TYPE_CHECKING:
    from trellis.billing.models import Invoice
    from trellis.customers.models import Property
    from trellis.issues.models import Comment, Issue
    from trellis.mail.models import OutgoingEmail
    from trellis.proposals.models import Proposal

Kind = InboxItem.Kind

# Invitations that expired longer ago than this are not brought up: the first
# sweep on an old database must not fill the inbox with years of them.
INVITATIONS_LOOK_BACK = timedelta(days=7)


class InboxItemRefused(Refused):
    """The item cannot change this way; `message` says why, for staff."""


def inbox_item_add(
    *,
    kind: str,
    company: Company | None = None,
    property: Property | None = None,
    contact: Contact | None = None,
    proposal: Proposal | None = None,
    invoice: Invoice | None = None,
    payment: Payment | None = None,
    issue: Issue | None = None,
    comment: Comment | None = None,
    email: OutgoingEmail | None = None,
    access_token: AccessToken | None = None,
    data: Mapping[str, Any] | None = None,
    staff_email: StaffEmail | None = None,
    notify: bool = True,
) -> InboxItem:
    """Add an item to the inbox; call it inside the event's transaction.

    Staff who asked to be emailed at once about this kind (and the company's
    notification address, for the customer activity it has always been told
    of) get an email queued with it: `staff_email`'s template when given, the
    inbox's own otherwise. `notify=False` adds the item and emails nobody.
    """
    with transaction.atomic():
        item = InboxItem.objects.create(
            kind=kind,
            property=property,
            contact=contact,
            proposal=proposal,
            invoice=invoice,
            payment=payment,
            issue=issue,
            comment=comment,
            email=email,
            access_token=access_token,
            data=dict(data or {}),
        )
        if notify:
            staff_notify_now(item=item, company=company or Company.load(), staff_email=staff_email)
    return item


def inbox_item_mark_done(*, item_id: int, by: User) -> InboxItem:
    """Someone dealt with it: the item leaves the open list, saying who and when.
    An item already done keeps who did it first."""
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item_id)
        if item.done_at is not None:
            return item
        item.done_at, item.done_by = timezone.now(), by
        item.save(update_fields=["done_at", "done_by"])
        audit_record(action="inbox.item_done", actor=by, target=item, data={"kind": item.kind})
    return item


def inbox_item_mark_undone(*, item_id: int, by: User) -> InboxItem:
    """Marked done by mistake: the item is open again.

    InboxItemRefused for sign-in trouble when the contact has had a newer item
    since (a contact has one open item of that kind at most).
    """
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item_id)
        if item.done_at is None:
            return item
        if item.kind == Kind.SIGN_IN_TROUBLE and _open_trouble(item.contact_id).exists():
            raise InboxItemRefused(
                "This contact has a newer open item about signing in: deal with that one."
            )
        was = {"done_at": item.done_at.isoformat(), "done_by": item.done_by_id}
        item.done_at, item.done_by = None, None
        item.save(update_fields=["done_at", "done_by"])
        audit_record(action="inbox.item_undone", actor=by, target=item, data=was)
    return item


def notification_preferences_set(*, user: User, deliveries: Mapping[str, str]) -> None:
    """How `user` is emailed about each kind of item: not, at once, or in the
    daily digest. Kinds not named keep their choice."""
    if not user.is_staff:
        raise ValueError("Only staff are told of the inbox.")
    known = set(Kind.values)
    choices = set(NotificationPreference.Delivery.values)
    with transaction.atomic():
        changed = {}
        for kind, delivery in deliveries.items():
            if kind not in known or delivery not in choices:
                raise ValueError(f"{kind!r}: {delivery!r} is not a kind and a delivery")
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )
            changed[kind] = delivery
        if changed:
            audit_record(action="inbox.preferences_set", actor=user, target=user, data=changed)


# --- sign-in trouble ----------------------------------------------------------------


def _open_trouble(contact_id: int | None) -> QuerySet[InboxItem]:
    return InboxItem.objects.filter(
        kind=Kind.SIGN_IN_TROUBLE, contact=contact_id, done_at__isnull=True
    )


def sign_in_trouble_note(*, email_tried: str) -> InboxItem | None:
    """A forgot-password request found no active account for `email_tried`:
    if the address is one a contact is known by (their address before a change,
    or their current one while they have no working account), the inbox says
    so, with the address tried beside the one on file.

    Bounded by design: a contact has one open item of this kind at most, so
    however often someone types an address at forgot password (which is also
    throttled) the inbox gains at most one row per contact until staff mark it
    done. Run from the forgot-password task, in a worker: it adds no time to
    the page, which answers alike for every address.
    """
    tried = email_tried.strip().lower()
    if not tried:
        return None
    contact, why = _contact_known_by(tried)
    if contact is None:
        return None
    if _open_trouble(contact.pk).exists():
        return None
    try:
        with transaction.atomic():
            return inbox_item_add(
                kind=Kind.SIGN_IN_TROUBLE,
                contact=contact,
                data={"tried": tried, "on_file": contact.email, "why": why},
            )
    except IntegrityError:
        return None  # another request for the same contact added it a moment ago


def _contact_known_by(address: str) -> tuple[Contact | None, str]:
    current = list(
        Contact.objects.alias(e=Lower("email"))
        .filter(e=address)
        .select_related("portal_account")[:2]
    )
    if len(current) == 1:
        account: User | None = getattr(current[0], "portal_account", None)
        if account is None:
            return current[0], "no_account"
        if not account.is_active:
            return current[0], "deactivated"
        return None, ""  # it works: the request was sent a link
    if current:
        return None, ""  # several contacts share it: which one asked is a guess
    # Every change of a contact's email goes through contact_email_changed,
    # which records the old address in the audit log.
    changed = (
        AuditEntry.objects.filter(action="contact.email_changed", data__from__iexact=address)
        .order_by("-created_at", "-id")
        .values_list("target_id", flat=True)
        .first()
    )
    if changed is None:
        return None, ""
    contact = Contact.objects.filter(pk=changed).exclude(email__iexact=address).first()
    return (contact, "former_address") if contact is not None else (None, "")


# --- the sweep: what becomes a matter for a person with time ---------------------------


@dataclass
class SweepRun:
    payments_pending: int = 0
    invitations_pending: int = 0
    invitations_expired: int = 0

    @property
    def total(self) -> int:
        return self.payments_pending + self.invitations_pending + self.invitations_expired


def inbox_sweep(*, now: datetime | None = None, limit: int = 200) -> SweepRun:
    """Add an item for each portal payment pending too long and each invitation
    not accepted for a while or expired unused, once each (a constraint holds
    it, whoever runs the sweep at the same time), at most `limit` of each kind
    per run. `trellis send_queued_email` runs it on every sweep."""
    now = now or timezone.now()
    run = SweepRun()
    pending_since = now - timedelta(minutes=settings.INBOX_PAYMENT_PENDING_MINUTES)
    payments = (
        Payment.objects.filter(
            status=Payment.Status.PENDING,
            source=Payment.Source.PORTAL,
            created_at__lte=pending_since,
        )
        .exclude(
            Exists(InboxItem.objects.filter(kind=Kind.PAYMENT_PENDING, payment=OuterRef("pk")))
        )
        .select_related("invoice__property", "paid_by")
        .order_by("created_at", "pk")[:limit]
    )
    for payment in payments:
        run.payments_pending += _add_once(
            kind=Kind.PAYMENT_PENDING,
            property=payment.invoice.property,
            contact=payment.paid_by,
            invoice=payment.invoice,
            payment=payment,
            data={"amount": str(payment.amount), "started_at": payment.created_at.isoformat()},
        )

    unanswered = AccessToken.objects.filter(
        purpose=AccessToken.Purpose.INVITATION,
        used_at__isnull=True,
        revoked_at__isnull=True,
        contact__portal_account__isnull=True,
    ).select_related("contact")
    waiting = unanswered.filter(
        expires_at__gt=now,
        created_at__lte=now - timedelta(days=settings.INBOX_INVITATION_PENDING_DAYS),
    )
    expired = unanswered.filter(expires_at__lte=now, expires_at__gt=now - INVITATIONS_LOOK_BACK)
    for kind, tokens in ((Kind.INVITATION_PENDING, waiting), (Kind.INVITATION_EXPIRED, expired)):
        seen = InboxItem.objects.filter(kind=kind, access_token=OuterRef("pk"))
        for token in tokens.exclude(Exists(seen)).order_by("created_at", "pk")[:limit]:
            added = _add_once(
                kind=kind,
                contact=token.contact,
                access_token=token,
                data={
                    "sent_to": token.sent_to,
                    "sent_at": token.created_at.isoformat(),
                    "expires_at": token.expires_at.isoformat(),
                },
            )
            if kind == Kind.INVITATION_PENDING:
                run.invitations_pending += added
            else:
                run.invitations_expired += added
    return run


def _add_once(**fields: Any) -> int:
    try:
        with transaction.atomic():
            inbox_item_add(**fields)
    except IntegrityError:
        return 0  # a sweep running beside this one added it
    return 1
