"""Issue 4 end to end: a customer approves a proposal in Chromium, choosing one
optional item and signing on the pad; and without JavaScript, by typed name."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from trellis.customers.models import PropertyContact
from trellis.e2e.steps import portal_signed_in
from trellis.proposals.models import Proposal
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    PropertyFactory,
    ProposalFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proposal():
    account = CustomerAccountFactory(
        contact=ContactFactory(first_name="Alice", last_name="Arnold", email="alice@example.com")
    )
    home = PropertyFactory(name="12 Elm Street")
    PropertyContact.objects.create(property=home, contact=account.contact, role="primary")
    return ProposalFactory(
        property=home,
        number="PR-4242",
        title="Lawn renovation",
        emailed_at=timezone.now(),
        items=[
            {"description": "Aeration", "quantity": Decimal(2), "unit_price": Decimal("45.50")},
            {"description": "Overseeding", "unit_price": Decimal("80.00"), "optional": True},
            {"description": "Lime", "unit_price": Decimal("1000.00"), "optional": True},
        ],
    )


def draw(page, strokes):
    pad = page.locator("[data-signature-pad] canvas")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.up()


def signed_in(browser, live_server, **options):
    return portal_signed_in(browser, live_server.url, "alice@example.com", **options)


def test_approving_with_the_pad_and_one_optional_item(live_server, browser, proposal):
    page = signed_in(browser, live_server)
    page.get_by_role("link", name="Proposals").click()
    page.get_by_role("link", name="Proposal PR-4242").click()

    total = page.locator("output[data-total]")
    expect(total).to_have_text("$91.00")
    page.get_by_label("Lime").check()
    expect(total).to_have_text("$1,091.00")
    page.get_by_label("Overseeding").check()
    page.get_by_label("Overseeding").uncheck()
    expect(total).to_have_text("$1,091.00")

    expect(page.locator("[data-signature-pad] canvas")).to_be_visible()
    draw(
        page, [[(20 + step * 8, 80 + (step % 5) * 6) for step in range(30)], [(60, 40), (90, 120)]]
    )
    assert page.locator("input[name=signature]").input_value().startswith("data:image/png")

    page.get_by_label("Your full name").fill("Alice Arnold")
    page.get_by_label("I accept this proposal").check()
    page.get_by_role("button", name="Approve and sign").click()

    expect(
        page.get_by_text("you approved proposal PR-4242, for a total of $1,091.00")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Signature of Alice Arnold")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert [i.description for i in proposal.items.filter(chosen=True)] == ["Lime"]
    assert proposal.decided_from_ip == "127.0.0.1"
    with Image.open(BytesIO(bytes(proposal.signature_png))) as signature:
        assert signature.format == "PNG"
        assert signature.getbbox() is not None  # something was drawn


def test_the_clear_button_empties_the_pad(live_server, browser, proposal):
    page = signed_in(browser, live_server)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    draw(page, [[(30, 30), (200, 90)]])
    assert page.locator("input[name=signature]").input_value() != ""

    page.get_by_role("button", name="Clear the signature").click()

    assert page.locator("input[name=signature]").input_value() == ""


def test_without_javascript_the_typed_name_signs_after_the_total_is_confirmed(
    live_server, browser, proposal
):
    page = signed_in(browser, live_server, java_script_enabled=False)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    expect(page.locator("[data-signature-pad]")).to_be_hidden()

    page.get_by_label("Lime").check()
    page.get_by_label("Your full name").fill("Alice Arnold")
    page.get_by_label("I accept this proposal").check()
    page.get_by_role("button", name="Approve and sign").click()

    expect(page.get_by_text("With the items you chose, the total is $1,091.00.")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT

    page.get_by_role("button", name="Approve and sign").click()

    expect(page.get_by_text("for a total of $1,091.00")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert proposal.signature_png is None
