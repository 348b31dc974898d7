import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, Payment
from trellis.billing.tests.methods import DECLINED, saved_card
from trellis.billing.tests.processor_world import committed
from trellis.bulk_charging.models import Batch, Item
from trellis.bulk_charging.selectors import Filters, chargeable_invoices
from trellis.bulk_charging.services import (
    BatchRefused,
    batch_create,
    item_charge,
    items_unfinished_charge,
)
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.inbox.models import InboxItem
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as SandboxCharge
from trellis.testing.factories import (
    ContactFactory,
    InvoiceFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def billed(number=None, *, amount="100.00", **invoice_fields):
    """An invoice published to a property whose Billing contact has a default card."""
    contact = ContactFactory(first_name="Dana", email=f"{uuid.uuid4().hex[:8]}@example.com")
    link = PropertyContactFactory(contact=contact, role=PropertyContact.Role.BILLING)
    saved_card(contact, number or "4242424242424242", is_default=True)
    invoice_fields.setdefault("printed_at", timezone.now())
    invoice = InvoiceFactory(
        property=link.property,
        lines=[{"description": "Mowing", "unit_price": Decimal(amount)}],
        **invoice_fields,
    )
    return invoice, contact


def charge(rows, *, key=None, with_fee=False, staff=None):
    with committed():
        return batch_create(
            staff=staff or StaffFactory(),
            key=key or uuid.uuid4().hex,
            rows=rows,
            with_fee=with_fee,
            company=Company.load(),
        )


def processor_charges(invoice):
    keys = Payment.objects.filter(invoice=invoice).values_list("idempotency_key", flat=True)
    return SandboxCharge.objects.filter(idempotency_key__in=list(keys)).count()


def test_the_list_has_the_open_published_invoices_whose_billing_contact_has_a_default_method():
    chargeable, payer = billed()
    billed_late, _ = billed(due_on=timezone.localdate() + timedelta(days=60))
    billed(printed_at=None)  # not published
    paid_already, _ = billed()
    Invoice.objects.filter(pk=paid_already.pk).update(status=Invoice.Status.VOID)
    no_method = InvoiceFactory(printed_at=timezone.now())
    PropertyContactFactory(property=no_method.property, role=PropertyContact.Role.BILLING)
    primary_only = InvoiceFactory(printed_at=timezone.now())
    primary = PropertyContactFactory(property=primary_only.property)
    saved_card(primary.contact, is_default=True)

    listed = list(chargeable_invoices())

    assert [invoice.pk for invoice in listed] == [chargeable.pk, billed_late.pk]
    assert listed[0].payer_id == payer.pk
    assert listed[0].due == Decimal("100.00")
    soon = Filters(due_to=timezone.localdate() + timedelta(days=45))
    assert [i.pk for i in chargeable_invoices(soon)] == [chargeable.pk]
    assert [i.pk for i in chargeable_invoices(Filters(property_id=billed_late.property_id))] == [
        billed_late.pk
    ]
    assert list(chargeable_invoices(Filters(amount_from=Decimal("100.01")))) == []


def test_the_same_batch_sent_twice_charges_once():
    invoice, _ = billed()
    key = uuid.uuid4().hex

    first = charge([(invoice.pk, Decimal("100.00"))], key=key)
    again = charge([(invoice.pk, Decimal("100.00"))], key=key)

    assert first.pk == again.pk
    assert Item.objects.count() == 1
    assert list(Payment.objects.filter(invoice=invoice).values_list("status", flat=True)) == [
        Payment.Status.SUCCEEDED
    ]
    assert processor_charges(invoice) == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    with pytest.raises(BatchRefused, match="can no longer be charged"):
        charge([(invoice.pk, Decimal("100.00"))])  # a new batch: paid already


def test_an_amount_can_be_lowered_to_a_partial_payment_but_not_raised():
    invoice, _ = billed()

    with pytest.raises(BatchRefused, match="more than its balance"):
        charge([(invoice.pk, Decimal("100.01"))])
    with pytest.raises(BatchRefused, match=r"at least 0\.01"):
        charge([(invoice.pk, Decimal("0"))])
    assert not Batch.objects.exists()

    charge([(invoice.pk, Decimal("40.00"))])

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.amount_paid == Decimal("40.00")


def test_a_convenience_fee_is_billed_as_its_own_paid_invoice():
    company = Company.load()
    company.convenience_fee_percent = Decimal("2.50")
    company.save()
    invoice, payer = billed(amount="201.00")

    batch = charge([(invoice.pk, Decimal("201.00"))], with_fee=True)

    item = Item.objects.get(batch=batch)
    assert item.fee == Decimal("5.03")  # 2.5 % of 201.00, rounded half up
    fee_invoice = item.fee_invoice
    assert fee_invoice.property == invoice.property
    assert fee_invoice.total == Decimal("5.03")
    assert fee_invoice.tax == Decimal("0")
    assert fee_invoice.status == Invoice.Status.PAID
    assert fee_invoice.is_published
    assert item.fee_payment.paid_by == payer
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("201.00")  # the fee is not on the invoice
    assert AuditEntry.objects.filter(action="invoice.convenience_fee").count() == 1


def test_without_the_fee_ticked_no_fee_invoice_is_made():
    company = Company.load()
    company.convenience_fee_percent = Decimal("3")
    company.save()
    invoice, _ = billed()

    batch = charge([(invoice.pk, Decimal("100.00"))], with_fee=False)

    item = Item.objects.get(batch=batch)
    assert (item.fee, item.fee_invoice) == (Decimal("0"), None)


def test_a_declined_charge_is_told_to_the_payer_and_the_office_and_bills_no_fee():
    company = Company.load()
    company.convenience_fee_percent = Decimal("3")
    company.save()
    invoice, payer = billed(DECLINED)

    batch = charge([(invoice.pk, Decimal("100.00"))], with_fee=True)

    item = Item.objects.get(batch=batch)
    assert item.state == Item.State.DONE
    assert item.payment.status == Payment.Status.FAILED
    assert "declined" in item.payment.failure_message
    assert item.fee_invoice is None
    told = OutgoingEmail.objects.filter(to_address=payer.email)
    assert [email.subject for email in told if "did not go through" in email.subject] != []
    assert told.count() == 1
    assert InboxItem.objects.filter(kind=InboxItem.Kind.PAYMENT_FAILED, invoice=invoice).exists()


def test_an_item_whose_worker_stopped_is_charged_again_with_the_same_key_once():
    invoice, _ = billed()
    batch = charge([(invoice.pk, Decimal("100.00"))])
    item = Item.objects.get(batch=batch)
    # As a worker stopped right after charging, before recording it: the item
    # charging, its payment made at the processor.
    Item.objects.filter(pk=item.pk).update(
        state=Item.State.CHARGING, payment=None, started_at=timezone.now() - timedelta(hours=1)
    )

    with committed():
        assert items_unfinished_charge() == 1
        assert items_unfinished_charge() == 0

    item.refresh_from_db()
    assert item.state == Item.State.DONE
    assert item.payment.idempotency_key == f"bulk-{batch.key}-{invoice.pk}"
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert processor_charges(invoice) == 1


def test_an_item_claimed_by_a_worker_is_not_charged_by_another():
    invoice, _ = billed()
    with committed():
        batch = batch_create(
            staff=StaffFactory(),
            key=uuid.uuid4().hex,
            rows=[(invoice.pk, Decimal("100.00"))],
            with_fee=False,
            company=Company.load(),
        )
    item = Item.objects.get(batch=batch)
    Item.objects.filter(pk=item.pk).update(
        state=Item.State.CHARGING, payment=None, started_at=timezone.now()
    )

    item_charge(item_id=item.pk)

    # The first worker's payment only: the second found the item claimed.
    assert Payment.objects.filter(invoice=invoice).count() == 1
    item.refresh_from_db()
    assert item.state == Item.State.CHARGING
