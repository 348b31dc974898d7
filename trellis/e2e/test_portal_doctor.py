"""Issue 6 end to end, on the demo data: support opens the doctor for Maria
Lopez, who cannot see invoice INV-24042, presses the fix it offers, and then
sees the invoice in "View as customer" — where nothing can be paid."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from playwright.sync_api import expect

from trellis.accounts.management.commands.demo_accounts import STAFF_PASSWORD
from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice
from trellis.customers.models import Contact
from trellis.e2e.steps import office_signed_in
from trellis.mail.models import OutgoingEmail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO = django_settings.BASE_DIR / "demo" / "demo.json"


@pytest.fixture
def demo(settings):
    call_command("import", str(DEMO), stdout=io.StringIO())
    settings.DEBUG = True  # demo_accounts sets published passwords: DEBUG only
    call_command("demo_accounts", stdout=io.StringIO())
    settings.DEBUG = False


def test_the_doctor_finds_why_maria_cannot_see_an_invoice_and_its_fix_shows_it(
    live_server, browser, settings, demo
):
    settings.PUBLIC_BASE_URL = live_server.url
    invoice = Invoice.objects.get(number="INV-24042")
    assert (invoice.printed_at, invoice.emailed_at) == (None, None)

    office = office_signed_in(
        browser, live_server.url, "jane.smith@greenway.example", STAFF_PASSWORD
    )

    office.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    office.get_by_role("group", name="Filters").get_by_label("Name").fill("Lopez")
    office.get_by_role("button", name="Search").click()
    office.get_by_role("link", name="Maria Lopez").first.click()
    office.get_by_role("link", name="Troubleshoot portal access").first.click()
    expect(
        office.get_by_role("heading", name=re.compile("Troubleshoot portal access"))
    ).to_be_visible()

    office.locator("#document-choice").select_option(f"invoice:{invoice.pk}")
    office.get_by_role("button", name="Check").click()
    check = office.locator("#document-check")
    expect(check).to_contain_text("in the portal? No:")
    expect(check).to_contain_text("neither printed nor emailed")

    check.get_by_role("button", name=re.compile(r"^Email to Maria Lopez")).click()
    check = office.locator("#document-check")
    expect(check).to_contain_text("in the portal? Yes:")
    expect(check).not_to_contain_text("neither printed nor emailed")
    invoice.refresh_from_db()
    assert invoice.emailed_at is not None
    assert OutgoingEmail.objects.filter(
        to_address="maria.lopez@example.com", subject__contains="INV-24042"
    ).exists()

    office.get_by_role("button", name="View as customer").click()
    expect(office.get_by_text("You are viewing the portal as Maria Lopez")).to_be_visible()
    office.get_by_role("link", name="Invoices").first.click()
    expect(office.get_by_text("INV-24042").first).to_be_visible()
    office.get_by_role("link", name=re.compile("INV-24042")).first.click()
    expect(office.get_by_text("Core aeration and overseeding")).to_be_visible()
    expect(office.get_by_role("link", name="Pay Invoice")).to_have_count(0)
    maria = Contact.objects.get(email="maria.lopez@example.com")
    about_maria = AuditEntry.objects.filter(target_id=str(maria.pk), actor__isnull=False)
    assert about_maria.filter(action="contact.view_as_started").count() == 1
    viewed = about_maria.filter(action="contact.view_as_page_viewed")
    assert f"/invoices/{invoice.pk}/" in {entry.data["path"] for entry in viewed}

    office.get_by_role("status").get_by_role("button", name="Exit preview").click()
    expect(office.get_by_role("heading", name=re.compile("Maria Lopez"))).to_be_visible()
    assert about_maria.filter(action="contact.view_as_ended").count() == 1
