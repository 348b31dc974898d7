"""Deactivating an account deletes its sessions: reactivated later, it is not
signed in anywhere it was before."""

import pytest
from django.test import Client
from django.urls import reverse

from trellis.testing.factories import DEFAULT_PASSWORD, ContactFactory, CustomerAccountFactory
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db


def account_page(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def set_active(office, user, active):
    response = office.post(account_page(user), {"is_active": "on"} if active else {})
    assert response.status_code == 302, response.content


@pytest.fixture
def office(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def bob(db):
    return CustomerAccountFactory(
        contact=ContactFactory(first_name="Bob", last_name="Baker", email="bob@example.com")
    )


def test_a_deactivated_then_reactivated_customer_gets_the_sign_in_page_with_the_old_cookie(
    office, alice, bob
):
    alices_browser, bobs_browser = Client(), Client()
    assert sign_in(alices_browser, "alice@example.com").status_code == 302
    assert sign_in(bobs_browser, "bob@example.com").status_code == 302
    assert alices_browser.get("/profile/").status_code == 200

    set_active(office, alice, False)
    set_active(office, alice, True)

    assert alices_browser.get("/profile/").url == "/sign-in/?next=/profile/"
    assert bobs_browser.get("/profile/").status_code == 200  # nobody else's session ends
    assert sign_in(Client(), "alice@example.com").status_code == 302  # she can sign in again


def test_a_deactivated_staff_member_is_signed_out_of_the_office_for_good(staff, django_user_model):
    clerk = django_user_model.objects.create_user(
        email="omar@greenway.example", password=DEFAULT_PASSWORD, is_staff=True
    )
    browser = Client()
    browser.force_login(clerk)
    assert browser.get(reverse("admin:index")).status_code == 200

    clerk.is_active = False
    clerk.save()
    clerk.is_active = True
    clerk.save()

    assert browser.get(reverse("admin:index")).status_code == 302


def test_the_deactivation_is_a_security_event(office, alice, caplog):
    assert sign_in(Client(), "alice@example.com").status_code == 302

    with caplog.at_level("INFO", logger="trellis.security"):
        set_active(office, alice, False)

    [line] = [r.getMessage() for r in caplog.records if '"account.deactivated"' in r.getMessage()]
    assert f'"user_id": {alice.pk}' in line
    assert '"sessions_ended": 1' in line


def test_saving_an_inactive_account_again_is_no_new_deactivation(office, alice, caplog):
    with caplog.at_level("INFO", logger="trellis.security"):
        set_active(office, alice, False)
        caplog.clear()
        set_active(office, alice, False)

    assert not [r for r in caplog.records if '"account.deactivated"' in r.getMessage()]
