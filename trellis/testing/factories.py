"""Test data factories, shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from trellis.accounts.models import User
from trellis.billing.models import Invoice
from trellis.billing.services import invoice_set_lines
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


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    property = factory.SubFactory(PropertyFactory)
    subject = "Broken sprinkler head"
    include_client = True


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    author_user = factory.SubFactory(StaffFactory)
    body = "We will be there on Tuesday."
    is_public = True
