"""Test data factories, shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.db import transaction
from django.utils import timezone

from trellis.accounts.models import User
from trellis.billing.ledger import invoice_settle
from trellis.billing.models import Invoice, Payment
from trellis.billing.recorded_payments import payment_import, payment_record_offline
from trellis.billing.services import invoice_locked, invoice_set_lines
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.issues.models import Comment, Issue
from trellis.proposals.models import Proposal
from trellis.proposals.services import proposal_set_items

DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105 (test accounts only)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@greenway.example")
    first_name = "Jane"
    last_name = "Smith"
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    external_id = factory.Sequence(lambda n: f"C-{n:05d}")


class CustomerAccountFactory(factory.django.DjangoModelFactory):
    """A contact's portal account: makes the contact Customer Portal Verified."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    contact = factory.SubFactory(ContactFactory)
    email = None
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    name = factory.Sequence(lambda n: f"Property {n}")
    street = factory.Faker("street_address")
    city = "Springfield"
    external_id = factory.Sequence(lambda n: f"P-{n:05d}")


class PropertyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyContact

    property = factory.SubFactory(PropertyFactory)
    contact = factory.SubFactory(ContactFactory)
    role = PropertyContact.Role.PRIMARY


class ProposalFactory(factory.django.DjangoModelFactory):
    """A proposal with one required item of 100.00 unless `items` is given."""

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    property = factory.SubFactory(PropertyFactory)
    number = factory.Sequence(lambda n: f"PR-{n:05d}")
    title = "Spring clean-up"
    status = Proposal.Status.SENT

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        if create:
            proposal_set_items(
                proposal=obj,
                items=extracted or [{"description": "Clean-up", "unit_price": Decimal("100.00")}],
            )


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An open invoice with one taxable line of 100.00 unless `lines` is given."""

    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    property = factory.SubFactory(PropertyFactory)
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    status = Invoice.Status.OPEN
    issued_on = factory.LazyFunction(lambda: timezone.now().date())
    due_on = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=30))

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):
        if create:
            invoice_set_lines(
                invoice=obj,
                lines=extracted
                or [{"description": "Maintenance", "unit_price": Decimal("100.00")}],
            )


class OfflinePaymentFactory(factory.django.DjangoModelFactory):
    """A cheque of 100.00 received today, recorded by staff on an invoice (an
    open one of 100.00 unless `invoice` is given) through payment_record_offline,
    so the invoice's money follows, its audit entry is written and the Billing
    contact, if any, is sent a receipt (unless `send_receipt=False`)."""

    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    amount = Decimal("100.00")
    means = Payment.Means.CHEQUE
    received_on = factory.LazyFunction(timezone.localdate)
    reference = factory.Sequence(lambda n: f"{1000 + n}")
    recorded_by = factory.SubFactory(StaffFactory)
    send_receipt = True

    @classmethod
    def _create(cls, model_class, *, invoice, **kwargs):
        return payment_record_offline(invoice_id=invoice.pk, **kwargs)


class ImportedPaymentFactory(factory.django.DjangoModelFactory):
    """A payment of 100.00 from the company's other system, on an invoice (an
    open one of 100.00 unless `invoice` is given), written by payment_import and
    settled as the import does."""

    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    external_id = factory.Sequence(lambda n: f"PAY-{n:05d}")
    amount = Decimal("100.00")
    received_on = factory.LazyFunction(timezone.localdate)
    means = Payment.Means.BANK_TRANSFER
    reference = factory.Sequence(lambda n: f"BT-{n:05d}")

    @classmethod
    def _create(cls, model_class, *, invoice, **kwargs):
        with transaction.atomic():
            locked = invoice_locked(invoice_id=invoice.pk)
            payment = payment_import(invoice=locked, **kwargs)
            invoice_settle(invoice=locked)
        return payment


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    property = factory.SubFactory(PropertyFactory)
    subject = "Broken sprinkler head"
    include_client = True
    status = Issue.Status.OPEN
    # A closed request says when it was closed (the issue_closed_when_closed_at constraint).
    closed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Issue.Status.CLOSED else None
    )


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    author_user = factory.SubFactory(StaffFactory)
    body = "We will be there on Tuesday."
    is_public = True
