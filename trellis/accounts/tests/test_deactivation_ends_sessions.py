"""Deactivating an account deletes its sessions: reactivated later, it is not
signed in anywhere it was before."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from trellis.accounts.roles import CREW_LEAD
from trellis.testing.factories import (
    DEFAULT_PASSWORD,
    ContactFactory,
    CustomerAccountFactory,
    StaffFactory,
)
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db


OFFICE_HOME = reverse("office:home")


def set_staff_active(office, member, active):
    page = reverse("office:staff-member", kwargs={"user_id": member.pk})
    data = {"role": CREW_LEAD.name} | ({"is_active": "on"} if active else {})
    response = office.post(page, data)
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert member.is_active is active


def office_sign_in(browser, email):
    return browser.post(
        reverse("office:sign-in"), {"username": email, "password": DEFAULT_PASSWORD}
    )


def set_active(user, active):
    # No office page (de)activates a customer's portal account, and the raw-data
    # admin changes nothing: the rule is held by the model's save (trellis/accounts/sessions.py).
    user.is_active = active
    user.save()


@pytest.fixture
def office(client, staff):
    """Jane (a superuser): she (de)activates staff on their office page."""
    client.force_login(staff)
    return client


@pytest.fixture
def bob(db):
    return CustomerAccountFactory(
        contact=ContactFactory(first_name="Bob", last_name="Baker", email="bob@example.com")
    )


def test_a_deactivated_then_reactivated_customer_gets_the_sign_in_page_with_the_old_cookie(
    alice, bob
):
    alices_browser, bobs_browser = Client(), Client()
    assert sign_in(alices_browser, "alice@example.com").status_code == 302
    assert sign_in(bobs_browser, "bob@example.com").status_code == 302
    assert alices_browser.get("/profile/").status_code == 200

    set_active(alice, False)
    set_active(alice, True)

    assert alices_browser.get("/profile/").url == "/sign-in/?next=/profile/"
    assert bobs_browser.get("/profile/").status_code == 200  # nobody else's session ends
    assert sign_in(Client(), "alice@example.com").status_code == 302  # she can sign in again


def test_a_deactivated_staff_member_is_signed_out_of_the_office_for_good(office):
    omar = StaffFactory(email="omar@greenway.example", first_name="Omar", last_name="Haddad")
    omar.groups.add(Group.objects.get(name=CREW_LEAD.name))
    omars_browser = Client()
    omars_browser.force_login(omar)
    assert omars_browser.get(OFFICE_HOME).status_code == 200

    set_staff_active(office, omar, False)
    set_staff_active(office, omar, True)

    response = omars_browser.get(OFFICE_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("office:sign-in"))
    assert office.get(OFFICE_HOME).status_code == 200  # Jane, who did it, is still in
    assert office_sign_in(Client(), omar.email).status_code == 302  # he can sign in again


def test_the_deactivation_is_a_security_event(alice, caplog):
    assert sign_in(Client(), "alice@example.com").status_code == 302

    with caplog.at_level("INFO", logger="trellis.security"):
        set_active(alice, False)

    [line] = [r.getMessage() for r in caplog.records if '"account.deactivated"' in r.getMessage()]
    assert f'"user_id": {alice.pk}' in line
    assert '"sessions_ended": 1' in line


def test_saving_an_inactive_account_again_is_no_new_deactivation(alice, caplog):
    with caplog.at_level("INFO", logger="trellis.security"):
        set_active(alice, False)
        caplog.clear()
        set_active(alice, False)

    assert not [r for r in caplog.records if '"account.deactivated"' in r.getMessage()]
