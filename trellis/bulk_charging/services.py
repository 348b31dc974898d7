"""Charging saved methods in bulk: the batch staff send, and the worker that
charges each of its items.

`batch_create` checks every row again (still chargeable, an amount between
0.01 and the balance), stores the batch and its items in one transaction
with the audit entry, and enqueues one task per item once that commits. The
same form sent again (its key) returns the batch it made, charging nothing
more.

`item_charge` claims its item (queued → charging, one conditional UPDATE, so
two workers never both charge it), pays the invoice through the one payment
path, off-session, with the item's own key, and then bills and charges the
convenience fee, if any, as an invoice of its own. A worker stopped half-way
leaves the item charging; `items_unfinished_charge` (the sweeper) charges it
again after a while with the same keys, which the processor answers as
before: nothing is charged twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.billing.models import Invoice, Payment
from trellis.billing.payments import PaymentRefused, PaymentUnavailable, invoice_pay
from trellis.billing.services import invoice_set_lines
from trellis.bulk_charging.models import Batch, Item
from trellis.bulk_charging.selectors import chargeable_invoices
from trellis.company.models import Company
from trellis.mail.delivery import task_enqueue_on_commit
from trellis.refusals import Refused

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
# An item still queued or charging this long after it was made or claimed
# lost its worker: the sweeper charges it again, with the same keys.
UNFINISHED_AFTER = timedelta(minutes=5)


class BatchRefused(Refused):
    """The batch cannot be charged as sent; `message` says why, for staff."""


def fee_of(amount: Decimal, percent: Decimal) -> Decimal:
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def batch_create(
    *,
    staff: User,
    key: str,
    rows: Iterable[tuple[int, Decimal]],
    with_fee: bool,
    company: Company,
) -> Batch:
    """Charge `rows` (invoice id, amount) in bulk, with the company's
    convenience fee when `with_fee`. Raises BatchRefused, storing nothing,
    when a row cannot be charged (named by its invoice's number)."""
    existing = Batch.objects.filter(key=key).first()
    if existing is not None:
        return existing
    wanted = dict(rows)
    if not wanted:
        raise BatchRefused("Choose at least one invoice to charge.")
    percent = company.convenience_fee_percent if with_fee else Decimal(0)
    found = {invoice.pk: invoice for invoice in chargeable_invoices().filter(pk__in=wanted)}
    items = []
    for invoice_id, amount in wanted.items():
        invoice = found.get(invoice_id)
        if invoice is None:
            number = Invoice.objects.filter(pk=invoice_id).values_list("number", flat=True).first()
            raise BatchRefused(
                f"Invoice {number or invoice_id} can no longer be charged: it was paid, is "
                "being paid, or its Billing contact has no default payment method. "
                "Reload the list."
            )
        if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
            raise BatchRefused(f"Invoice {invoice.number}: enter an amount of at least 0.01.")
        if amount > invoice.due:  # type: ignore[attr-defined]
            raise BatchRefused(
                f"Invoice {invoice.number}: {amount} is more than its balance of {invoice.due}."  # type: ignore[attr-defined]
            )
        items.append(
            Item(
                invoice=invoice,
                contact_id=invoice.payer_id,  # type: ignore[attr-defined]
                method_id=invoice.method_id,  # type: ignore[attr-defined]
                amount=amount,
                fee=fee_of(amount, percent),
            )
        )
    from trellis.bulk_charging.tasks import bulk_item_charge  # the task module imports this one

    with transaction.atomic():
        batch = Batch.objects.create(key=key, created_by=staff, fee_percent=percent)
        for item in items:
            item.batch = batch
        Item.objects.bulk_create(items)
        audit_record(
            action="bulk_charge.created",
            actor=staff,
            target=batch,
            data={
                "invoices": len(items),
                "amount": str(sum((item.amount for item in items), Decimal(0))),
                "fee_percent": str(percent),
            },
        )
        for item in Item.objects.filter(batch=batch):
            task_enqueue_on_commit(
                bulk_item_charge,
                failure=f"Could not enqueue bulk charge item {item.pk}",
                item_id=item.pk,
            )
    return batch


def item_charge(*, item_id: int, now: datetime | None = None) -> Item:
    """Charge one item, if it is this call's to charge (see the module)."""
    now = now or timezone.now()
    stale = now - UNFINISHED_AFTER
    claimed = (
        Item.objects.filter(pk=item_id)
        .filter(Q(state=Item.State.QUEUED) | Q(state=Item.State.CHARGING, started_at__lt=stale))
        .update(state=Item.State.CHARGING, started_at=now)
    )
    item = Item.objects.select_related("batch", "invoice", "contact", "method").get(pk=item_id)
    if not claimed:
        return item
    company = Company.load()
    payment = item.payment or _pay(
        item, invoice=item.invoice, amount=item.amount, key=item.payment_key, company=company
    )
    if payment is None:
        return item
    Item.objects.filter(pk=item.pk, payment__isnull=True).update(payment=payment)
    item.payment = payment
    if item.fee > 0 and payment.status != Payment.Status.FAILED and item.fee_payment is None:
        fee_invoice = _fee_invoice(item)
        fee_payment = _pay(
            item, invoice=fee_invoice, amount=item.fee, key=item.fee_key, company=company
        )
        if fee_payment is None:
            return item
        Item.objects.filter(pk=item.pk).update(fee_payment=fee_payment)
        item.fee_payment = fee_payment
    Item.objects.filter(pk=item.pk).update(state=Item.State.DONE)
    item.state = Item.State.DONE
    return item


def _pay(
    item: Item, *, invoice: Invoice, amount: Decimal, key: str, company: Company
) -> Payment | None:
    """The payment, whatever became of it; None (the item refused, with why)
    when the payment may not be made."""
    try:
        return invoice_pay(
            invoice_id=invoice.pk,
            contact=item.contact,
            company=company,
            method=item.method,
            amount=amount,
            idempotency_key=key,
            origin=Payment.Origin.OFFICE,
        )
    except PaymentUnavailable as unavailable:
        return unavailable.payment  # pending: the reconciliation settles it
    except (PaymentRefused, Invoice.DoesNotExist) as refused:
        problem = (
            getattr(refused, "message", "") or "The invoice is no longer shown to the customer."
        )
        Item.objects.filter(pk=item.pk).update(state=Item.State.REFUSED, problem=problem[:300])
        item.state, item.problem = Item.State.REFUSED, problem
        return None


def _fee_invoice(item: Item) -> Invoice:
    """The item's convenience fee as an invoice of its own, for the same
    property, published to the customer; made once (the item's row locked)."""
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        if locked.fee_invoice_id is not None:
            return Invoice.objects.get(pk=locked.fee_invoice_id)
        today = timezone.localdate()
        invoice = Invoice(
            property=item.invoice.property,
            number=f"{item.invoice.number}-FEE-{item.pk}",
            status=Invoice.Status.OPEN,
            issued_on=today,
            due_on=today,
            memo=f"Convenience fee for paying invoice {item.invoice.number} electronically.",
            printed_at=timezone.now(),
        )
        invoice_set_lines(
            invoice=invoice,
            lines=[
                {
                    "description": (
                        f"Convenience fee ({item.batch.fee_percent}%) on invoice "
                        f"{item.invoice.number}"
                    ),
                    "unit_price": item.fee,
                    "taxable": False,
                }
            ],
        )
        locked.fee_invoice = invoice
        locked.save(update_fields=["fee_invoice"])
        audit_record(
            action="invoice.convenience_fee",
            actor=item.batch.created_by,
            target=invoice,
            data={"invoice": item.invoice.number, "fee": str(item.fee), "batch": item.batch_id},
        )
    return invoice


def items_unfinished_charge(*, now: datetime | None = None) -> int:
    """Charge the items whose worker was lost (see the module); how many."""
    now = now or timezone.now()
    stale = now - UNFINISHED_AFTER
    ids = list(
        Item.objects.filter(
            Q(state=Item.State.QUEUED, batch__created_at__lt=stale)
            | Q(state=Item.State.CHARGING, started_at__lt=stale)
        ).values_list("pk", flat=True)[:100]
    )
    for item_id in ids:
        item_charge(item_id=item_id, now=now)
    return len(ids)
