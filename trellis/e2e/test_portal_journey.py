"""Issue 4 end to end: what a customer sees is exactly what the rules allow,
a request opens with a photo, and another customer's invoice is a 404."""

import re
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from trellis.customers.models import PropertyContact
from trellis.e2e.steps import portal_signed_in
from trellis.issues.models import Issue
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    PropertyFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def customer(first_name, email, property_name):
    account = CustomerAccountFactory(
        contact=ContactFactory(first_name=first_name, last_name="Example", email=email)
    )
    place = PropertyFactory(name=property_name)
    PropertyContact.objects.create(property=place, contact=account.contact, role="primary")
    PropertyContact.objects.create(property=place, contact=account.contact, role="billing")
    return account, place


def sign_in(browser, live_server, email):
    page = portal_signed_in(browser, live_server.url, email)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    return page


def photo_bytes():
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (60, 140, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_customer_sees_only_the_published_invoice_opens_a_request_and_others_get_404(
    live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _, home = customer("Maria", "maria@example.com", "12 Elm Street")
    published = InvoiceFactory(property=home, number="INV-1001", emailed_at=timezone.now())
    InvoiceFactory(property=home, number="INV-1002")  # never printed or emailed
    customer("Sam", "sam@example.com", "3 Oak Lane")

    maria = sign_in(browser, live_server, "maria@example.com")
    maria.get_by_role("link", name="Invoices").first.click()
    expect(maria.get_by_role("link", name=re.compile("Invoice INV-1001"))).to_be_visible()
    expect(maria.get_by_text("INV-1002")).to_have_count(0)
    maria.get_by_role("link", name=re.compile("Invoice INV-1001")).click()
    expect(maria.get_by_role("heading", name="Invoice INV-1001")).to_be_visible()
    expect(maria.get_by_text("Balance due")).to_be_visible()

    maria.get_by_role("link", name="Requests").first.click()
    maria.get_by_role("link", name="New request").click()
    maria.get_by_label("Subject").fill("Sprinkler head broken")
    maria.get_by_label("Description").fill("The one by the driveway sprays the street.")
    maria.get_by_label("Photos (optional)").set_input_files(
        [{"name": "sprinkler.png", "mimeType": "image/png", "buffer": photo_bytes()}]
    )
    maria.get_by_role("button", name="Send request").click()
    expect(maria.get_by_text("Your request has been sent.")).to_be_visible()
    expect(maria.get_by_role("heading", name="Sprinkler head broken")).to_be_visible()
    photo = maria.locator("img[src*='/photos/']").first
    expect(photo).to_be_visible()
    # decode() waits for the image to load, which may end after it is visible.
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64

    request = Issue.objects.get(subject="Sprinkler head broken")
    assert request.include_client and request.photos.count() == 1

    sam = sign_in(browser, live_server, "sam@example.com")
    for path in (
        f"/invoices/{published.pk}/",
        f"/invoices/{published.pk}/pdf/",
        f"/requests/{request.pk}/",
        f"/requests/{request.pk}/photos/{request.photos.get().pk}/",
    ):
        assert sam.goto(f"{live_server.url}{path}").status == 404
