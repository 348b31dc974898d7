import pytest
from django.urls import reverse

from trellis.accounts.models import User
from trellis.office.tests.forms import form_data
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")
ADD = reverse("admin:accounts_user_add")
NEW_PASSWORD = "a long new passphrase 42"


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def password_url(user):
    # Django's UserAdmin names this URL after its own user model, whichever is used.
    return reverse("admin:auth_user_password_change", args=[user.pk])


def test_staff_create_a_staff_account_with_an_email_and_a_password(office):
    data = form_data(office.get(ADD)) | {
        "email": "Sam@Greenway.example",
        "first_name": "Sam",
        "last_name": "Reyes",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }

    response = office.post(ADD, data)

    sam = User.objects.get(first_name="Sam")
    assert response.status_code == 302
    assert response.url == change_url(sam)
    assert sam.email == "Sam@greenway.example"
    assert sam.is_staff
    assert not sam.is_superuser
    assert sam.check_password(NEW_PASSWORD)


def test_an_email_already_used_in_another_case_is_refused(office, staff):
    data = form_data(office.get(ADD)) | {
        "email": staff.email.upper(),
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }

    response = office.post(ADD, data)

    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email already exists."
    ]


def test_a_staff_account_needs_an_email(office):
    sam = StaffFactory()
    data = form_data(office.get(change_url(sam))) | {"email": ""}

    response = office.post(change_url(sam), data)

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_staff_change_another_staff_members_password(office):
    sam = StaffFactory()
    assert "../password/" in office.get(change_url(sam)).text

    response = office.post(
        password_url(sam),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.check_password(NEW_PASSWORD)


def test_a_customers_account_page_has_no_password_and_no_email_of_its_own(office, alice):
    response = office.get(change_url(alice))

    form = response.context["adminform"].form
    assert set(form.fields) == {"is_active"}
    assert password_url(alice) not in response.text
    assert "../password/" not in response.text
    assert "alice@example.com" in response.text  # her sign-in email, read from her contact


def test_a_customers_password_cannot_be_seen_or_set_in_the_office(office, alice):
    assert office.get(password_url(alice)).status_code == 403
    response = office.post(
        password_url(alice),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.check_password(DEFAULT_PASSWORD)


def test_staff_deactivate_a_customers_account(office, alice):
    data = form_data(office.get(change_url(alice)))
    del data["is_active"]

    response = office.post(change_url(alice), data)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    assert alice.check_password(DEFAULT_PASSWORD)


def test_the_user_list_shows_a_customers_sign_in_email_the_contacts_current_one(office, alice):
    alice.contact.email = "alice.arnold@example.com"
    alice.contact.save()

    response = office.get(USERS, {"kind": "customer"})

    assert "Sign-in email" in response.text
    assert "alice.arnold@example.com" in response.text
    assert [user.pk for user in response.context["cl"].result_list] == [alice.pk]


def test_customers_are_found_by_their_contacts_email(office, staff, alice):
    response = office.get(USERS, {"q": "alice@example"})
    assert [user.pk for user in response.context["cl"].result_list] == [alice.pk]
