"""Accounts on the office's staff pages (office:staff-add, office:staff-member),
beyond test_staff_pages.py: a staff account's email, and no way to a
customer's password."""

import pytest
from django.urls import reverse

from trellis.accounts.models import User
from trellis.accounts.roles import CREW_LEAD
from trellis.testing.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ADD = reverse("office:staff-add")
NEW_PASSWORD = "a long new passphrase 42"


def page_of(user):
    return reverse("office:staff-member", kwargs={"user_id": user.pk})


def sam_reyes(**changes):
    return {
        "first_name": "Sam",
        "last_name": "Reyes",
        "email": "Sam@Greenway.example",
        "role": CREW_LEAD.name,
        **changes,
    }


def test_a_staff_member_added_is_staff_not_a_superuser_with_the_email_domain_in_lowercase(
    office,
):
    response = office.post(ADD, sam_reyes())

    sam = User.objects.get(first_name="Sam")
    assert response.status_code == 302
    assert response.url == page_of(sam)
    assert sam.email == "Sam@greenway.example"
    assert sam.is_staff
    assert not sam.is_superuser


def test_an_email_already_used_in_another_case_is_refused(office, staff):
    response = office.post(ADD, sam_reyes(email=staff.email.upper()))

    assert response.status_code == 200
    assert "Someone already signs in with" in response.text
    assert not User.objects.filter(first_name="Sam").exists()


def test_a_staff_member_needs_an_email(office):
    response = office.post(ADD, sam_reyes(email=""))

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(first_name="Sam").exists()


def test_a_customers_password_cannot_be_seen_or_set_in_the_office(office, alice):
    assert office.get(page_of(alice)).status_code == 404
    response = office.post(
        page_of(alice), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "role": ""}
    )
    assert response.status_code == 404
    contact_page = office.get(reverse("office:contact", kwargs={"contact_id": alice.contact.pk}))
    assert contact_page.status_code == 200
    assert 'type="password"' not in contact_page.text
    alice.refresh_from_db()
    assert alice.check_password(DEFAULT_PASSWORD)
