"""Issue 3 end to end: staff invite, the customer accepts from the delivered
email, signs in, edits the profile, switches to Spanish, changes the password."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from trellis.company.models import Company
from trellis.e2e.steps import link_delivered_to, office_signed_in
from trellis.testing.factories import ContactFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CUSTOMER_PASSWORD = "a garden of tulips 2026"
NEW_PASSWORD = "autumn leaves and mulch"


def test_staff_invite_and_the_customer_goes_all_the_way_to_a_new_password(
    live_server, browser, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.save()
    StaffFactory(email="jane@greenway.example", is_superuser=True)
    maria = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")

    office = office_signed_in(browser, live_server.url, "jane@greenway.example")

    office.goto(f"{live_server.url}{reverse('office:contact', kwargs={'contact_id': maria.pk})}")
    office.get_by_role("button", name="Send Customer Portal invite").click()
    expect(office.locator(".messages")).to_contain_text("Invitation sent to maria@example.com.")
    expect(office.locator("#portal-invitations tbody tr")).to_have_count(1)

    # Staff see the email in the office with its link masked: the working link
    # went only to Maria (in the demo, the captured file under data/mail).
    office.goto(f"{live_server.url}{reverse('office:emails')}")
    sent = office.locator("table.email-list tbody tr", has_text="maria@example.com")
    sent.locator("td:nth-child(2) a").click()
    expect(office.get_by_text("the link that works went only to maria@example.com")).to_be_visible()
    expect(office.locator("a[href*='/invitation/']")).to_have_count(0)
    link = link_delivered_to("maria@example.com", "/invitation/")
    assert link.startswith(live_server.url)

    customer = browser.new_context(locale="en-US").new_page()
    customer.goto(link)
    expect(customer.get_by_role("heading", name="Create your account")).to_be_visible()
    customer.locator("#id_new_password").fill(CUSTOMER_PASSWORD)
    customer.locator("#id_new_password_again").fill(CUSTOMER_PASSWORD)
    customer.get_by_role("button", name="Create my account").click()
    expect(customer.get_by_role("heading", name="Welcome, Maria")).to_be_visible()

    customer.get_by_role("button", name="Sign out").click()
    customer.locator("#id_email").fill("Maria@Example.com")
    customer.locator("#id_password").fill(CUSTOMER_PASSWORD)
    customer.get_by_role("button", name="Sign in").click()
    expect(customer.get_by_role("heading", name="Welcome, Maria")).to_be_visible()

    customer.get_by_role("link", name="User Profile").click()
    customer.locator("#id_first_name").fill("Mar1a")
    customer.get_by_role("button", name="Save", exact=True).click()
    expect(customer.get_by_text("First name must have at least 2 characters.")).to_be_visible()
    expect(customer.locator("#id_first_name")).to_have_value("Mar1a")

    customer.locator("#id_first_name").fill("María")
    customer.locator("#id_language").select_option("es")
    customer.get_by_role("button", name="Save", exact=True).click()
    expect(customer.get_by_text("Su perfil se ha actualizado correctamente.")).to_be_visible()
    expect(customer.get_by_role("heading", name="Perfil de usuario")).to_be_visible()
    expect(
        customer.get_by_text("Al cambiar su contraseña se cerrará su sesión de inmediato.")
    ).to_be_visible()

    customer.locator("#id_password-current_password").fill(CUSTOMER_PASSWORD)
    customer.locator("#id_password-new_password").fill(NEW_PASSWORD)
    customer.locator("#id_password-new_password_again").fill(NEW_PASSWORD)
    customer.get_by_role("button", name="Cambiar la contraseña").click()

    expect(customer).to_have_url(re.compile(r"/sign-in/$"))
    expect(customer.get_by_text("Su contraseña ha cambiado.")).to_be_visible()
    customer.goto(f"{live_server.url}/profile/")
    expect(customer).to_have_url(re.compile(r"/sign-in/\?next=/profile/$"))

    customer.locator("#id_email").fill("maria@example.com")
    customer.locator("#id_password").fill(NEW_PASSWORD)
    customer.get_by_role("button", name="Iniciar sesión").click()
    expect(customer.get_by_role("heading", name="Perfil de usuario")).to_be_visible()
    expect(customer.locator("#id_first_name")).to_have_value("María")
