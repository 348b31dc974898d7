import pytest
from django.db import IntegrityError, transaction

from trellis.accounts.models import User
from trellis.testing.factories import ContactFactory, CustomerAccountFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_staff_emails_are_unique_whatever_the_letter_case():
    StaffFactory(email="jane@greenway.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffFactory(email="JANE@greenway.example")


def test_a_customer_account_has_no_email_of_its_own():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(contact=ContactFactory(), email="copy@example.com")


def test_a_customer_account_cannot_be_staff():
    account = CustomerAccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=account.pk).update(is_staff=True)


def test_an_account_belongs_to_a_contact_or_has_an_email():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create()


def test_a_contact_has_at_most_one_portal_account():
    account = CustomerAccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(contact=account.contact)


def test_staff_are_found_by_email_in_any_letter_case():
    staff = StaffFactory(email="jane@greenway.example")
    assert User.objects.get_by_natural_key("Jane@GREENWAY.example") == staff
