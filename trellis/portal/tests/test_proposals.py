import base64
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.proposals.models import Proposal
from trellis.testing.documents import property_of
from trellis.testing.factories import ContactFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ITEMS = [
    {"description": "Aeration", "quantity": Decimal(2), "unit_price": Decimal("45.50")},
    {"description": "Overseeding", "unit_price": Decimal("80.00"), "optional": True},
    {"description": "Lime", "unit_price": Decimal("35.00"), "optional": True},
]


def proposal_on(prop, **fields):
    return ProposalFactory(
        **{"property": prop, "emailed_at": timezone.now(), "items": ITEMS} | fields
    )


def numbers(response):
    assert response.status_code == 200
    return {proposal.number for proposal in response.context["page"].object_list}


def item_id(proposal, description):
    return proposal.items.get(description=description).pk


def signature_data_url():
    image = Image.new("RGBA", (400, 120), (255, 255, 255, 0))
    for x in range(40, 300):
        image.putpixel((x, 60), (0, 0, 0, 255))
    out = BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def approval(proposal, **fields):
    return {
        "chosen": [item_id(proposal, "Lime")],
        "signer_name": "Alice Arnold",
        "signature": "",
        "accept": "on",
        "expected_total": "126.00",
    } | fields


@pytest.fixture
def home(alice):
    return property_of(alice.contact)


# --- the lists ------------------------------------------------------------------


def test_each_list_shows_exactly_alices_published_proposals_of_that_status(alice_client, alice):
    primary = property_of(alice.contact)
    billing = property_of(alice.contact, role=PropertyContact.Role.BILLING)
    pending = {proposal_on(primary).number, proposal_on(billing).number}
    approved = {proposal_on(primary, status=Proposal.Status.APPROVED).number}
    declined = {proposal_on(billing, status=Proposal.Status.DECLINED).number}
    # None of these is hers to see:
    proposal_on(primary, emailed_at=None)  # never printed nor emailed
    proposal_on(primary, status=Proposal.Status.DRAFT, emailed_at=None)
    proposal_on(primary, status=Proposal.Status.WITHDRAWN)  # in no list
    proposal_on(property_of(alice.contact, role=PropertyContact.Role.OTHER))
    proposal_on(property_of(ContactFactory()))  # someone else's property
    charlie_home = property_of(ContactFactory(first_name="Charlie"))
    proposal_on(charlie_home, status=Proposal.Status.APPROVED)
    proposal_on(charlie_home, status=Proposal.Status.DECLINED)

    assert numbers(alice_client.get("/proposals/")) == pending
    assert numbers(alice_client.get("/proposals/?status=pending")) == pending
    assert numbers(alice_client.get("/proposals/?status=approved")) == approved
    assert numbers(alice_client.get("/proposals/?status=declined")) == declined
    assert numbers(alice_client.get("/proposals/?status=nonsense")) == pending


def test_a_list_shows_number_title_property_total_and_date(alice_client, home):
    proposal_on(home, number="PR-3001", title="Lawn renovation", created_at=timezone.now())
    page = alice_client.get("/proposals/").content.decode()
    for text in ["PR-3001", "Lawn renovation", home.name, "$91.00", "Pending (1)"]:
        assert text in page
    assert 'aria-current="page">Pending' in page


def test_the_lists_are_paginated_twenty_to_a_page(alice_client, home):
    for _ in range(45):
        proposal_on(home, items=[{"description": "Mowing", "unit_price": Decimal(10)}])
    assert len(numbers(alice_client.get("/proposals/"))) == 20
    assert len(numbers(alice_client.get("/proposals/?status=pending&page=3"))) == 5


def test_an_empty_list_says_so(alice_client, home):
    page = alice_client.get("/proposals/?status=declined").content.decode()
    assert "You have no declined proposals." in page


def test_the_lists_are_for_signed_in_customers(client):
    response = client.get("/proposals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# --- the detail -------------------------------------------------------------------


def test_the_detail_shows_items_optional_ones_and_the_pdf_link(alice_client, home):
    proposal = proposal_on(home, number="PR-3002", notes="We start in March.")
    page = alice_client.get(f"/proposals/{proposal.pk}/").content.decode()
    for text in [
        "PR-3002",
        "Aeration",
        "$45.50",
        "$91.00",  # the required items
        "Overseeding",
        "Optional",
        "We start in March.",
        f"/proposals/{proposal.pk}/pdf/",
        "Approve this proposal",
        "Decline this proposal",
        "I accept this proposal",
    ]:
        assert text in page, text


def test_the_detail_of_a_decided_proposal_shows_the_decision_and_no_forms(alice_client, home):
    proposal = proposal_on(home, status=Proposal.Status.DECLINED, decline_reason="Too late.")
    page = alice_client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Too late." in page
    assert "Approve this proposal" not in page
    assert f"/proposals/{proposal.pk}/approve/" not in page


SOMEONE_ELSES = {
    "charlie's": lambda alice: proposal_on(property_of(ContactFactory())),
    "other role": lambda alice: proposal_on(
        property_of(alice.contact, role=PropertyContact.Role.OTHER)
    ),
    "unpublished": lambda alice: proposal_on(property_of(alice.contact), emailed_at=None),
    "draft": lambda alice: proposal_on(
        property_of(alice.contact), status=Proposal.Status.DRAFT, emailed_at=None
    ),
}


@pytest.mark.parametrize("whose", SOMEONE_ELSES)
@pytest.mark.parametrize(
    "method, suffix", [("get", ""), ("get", "pdf/"), ("post", "approve/"), ("post", "decline/")]
)
def test_proposals_alice_may_not_see_answer_404_and_stay_undecided(
    alice_client, alice, whose, method, suffix
):
    proposal = SOMEONE_ELSES[whose](alice)
    data = approval(proposal) | {"reason": "No."} if method == "post" else None

    response = getattr(alice_client, method)(f"/proposals/{proposal.pk}/{suffix}", data)

    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.decided_at is None
    assert not proposal.items.filter(chosen=True).exists()


def test_a_proposal_that_does_not_exist_answers_404_like_someone_elses(alice_client):
    assert alice_client.get("/proposals/999999/").status_code == 404


def test_the_pdf_is_shown_inline_with_a_sensible_name(alice_client, home):
    pytest.importorskip("trellis.documents.pdf", reason="PDF rendering is not built yet")
    proposal = proposal_on(home, number="PR-3003")

    response = alice_client.get(f"/proposals/{proposal.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "PR-3003" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


# --- approving ----------------------------------------------------------------------


def test_approving_with_one_optional_item_and_a_drawn_signature(alice_client, alice, home):
    proposal = proposal_on(home, number="PR-3004")

    response = alice_client.post(
        f"/proposals/{proposal.pk}/approve/",
        approval(proposal, signature=signature_data_url()),
        REMOTE_ADDR="198.51.100.4",
        follow=True,
    )

    assert response.redirect_chain == [(f"/proposals/{proposal.pk}/", 302)]
    page = response.content.decode()
    assert "you approved proposal PR-3004, for a total of $126.00." in page
    assert 'alt="Signature of Alice Arnold"' in page
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert proposal.total == Decimal("126.00")
    assert [i.description for i in proposal.items.filter(chosen=True)] == ["Lime"]
    assert proposal.signer_name == "Alice Arnold"
    assert bytes(proposal.signature_png).startswith(b"\x89PNG")
    assert proposal.decided_by == alice.contact
    assert proposal.decided_from_ip == "198.51.100.4"
    assert proposal.decided_at is not None


def test_approving_with_the_typed_name_only(alice_client, home):
    proposal = proposal_on(home)
    response = alice_client.post(
        f"/proposals/{proposal.pk}/approve/", approval(proposal, chosen=[], expected_total="")
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert proposal.signature_png is None
    assert proposal.total == Decimal("91.00")


def test_an_incomplete_approval_keeps_what_was_typed_and_chosen(alice_client, home):
    proposal = proposal_on(home)
    lime = item_id(proposal, "Lime")

    response = alice_client.post(
        f"/proposals/{proposal.pk}/approve/",
        approval(proposal, signer_name="Alice Arnold", accept=""),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick “I accept this proposal” to approve it." in page
    assert 'value="Alice Arnold"' in page
    assert f'value="{lime}" id="chosen-{lime}" data-amount="35.00" checked' in page
    assert "$126.00" in page  # the total of what was chosen
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_approval_needs_the_typed_name(alice_client, home):
    proposal = proposal_on(home)
    response = alice_client.post(
        f"/proposals/{proposal.pk}/approve/", approval(proposal, signer_name="  ")
    )
    assert response.status_code == 400
    assert "Type your full name to sign." in response.content.decode()


def test_a_signature_that_is_not_an_image_is_refused_and_dropped(alice_client, home):
    proposal = proposal_on(home)
    bad = "data:image/png;base64," + base64.b64encode(b"not a png").decode()

    response = alice_client.post(
        f"/proposals/{proposal.pk}/approve/", approval(proposal, signature=bad)
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "The signature could not be read. Clear the pad and sign again." in page
    assert bad not in page
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_without_javascript_a_changed_choice_is_confirmed_with_its_total_first(alice_client, home):
    proposal = proposal_on(home)
    url = f"/proposals/{proposal.pk}/approve/"
    # The page was shown with nothing ticked (91.00); Overseeding was ticked since,
    # and no script updated the total.
    data = approval(proposal, chosen=[item_id(proposal, "Overseeding")], expected_total="91.00")

    first = alice_client.post(url, data)

    assert first.status_code == 400
    page = first.content.decode()
    assert "With the items you chose, the total is $171.00. Check it, then approve again." in page
    assert 'name="expected_total" value="171.00"' in page
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT

    second = alice_client.post(url, data | {"expected_total": "171.00"})

    assert second.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert proposal.total == Decimal("171.00")


def test_a_proposal_decided_meanwhile_says_so_over_the_decision(alice_client, home):
    proposal = proposal_on(home, status=Proposal.Status.DECLINED, decided_at=timezone.now())
    response = alice_client.post(
        f"/proposals/{proposal.pk}/approve/", approval(proposal), follow=True
    )
    assert "This proposal has already been declined." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.signer_name == ""


def test_approving_twice_records_one_approval(alice_client, home):
    proposal = proposal_on(home)
    url = f"/proposals/{proposal.pk}/approve/"
    alice_client.post(url, approval(proposal))
    again = alice_client.post(url, approval(proposal, signer_name="Someone Else"), follow=True)
    assert "This proposal has already been approved." in again.content.decode()
    proposal.refresh_from_db()
    assert proposal.signer_name == "Alice Arnold"


def test_the_office_is_told_of_an_approval_from_the_portal(alice_client, home):
    company = Company.load()
    company.staff_notification_email = "office@greenway.example"
    company.save()
    proposal = proposal_on(home, number="PR-3005")

    alice_client.post(f"/proposals/{proposal.pk}/approve/", approval(proposal))

    email = OutgoingEmail.objects.get(to_address="office@greenway.example")
    assert email.subject == "Proposal PR-3005 approved by Alice Arnold"
    assert "Total: 126.00 USD" in email.body_text


# --- declining ------------------------------------------------------------------------


def test_declining_with_a_reason(alice_client, alice, home):
    proposal = proposal_on(home, number="PR-3006")

    response = alice_client.post(
        f"/proposals/{proposal.pk}/decline/", {"reason": "We are moving in May."}, follow=True
    )

    assert "You declined proposal PR-3006." in response.content.decode()
    assert "We are moving in May." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.decline_reason == "We are moving in May."
    assert proposal.decided_by == alice.contact


def test_declining_needs_a_reason(alice_client, home):
    proposal = proposal_on(home)
    response = alice_client.post(f"/proposals/{proposal.pk}/decline/", {"reason": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tell us why you are declining this proposal." in page
    assert '<details class="decline" open>' in page
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_decisions_are_posted_never_got(alice_client, home):
    proposal = proposal_on(home)
    assert alice_client.get(f"/proposals/{proposal.pk}/approve/").status_code == 405
    assert alice_client.get(f"/proposals/{proposal.pk}/decline/").status_code == 405


# --- the section switched off ---------------------------------------------------------


def test_the_proposals_section_switched_off_hides_it_everywhere(alice_client, home):
    proposal = proposal_on(home)
    assert 'href="/proposals/"' in alice_client.get("/profile/").content.decode()
    company = Company.load()
    company.proposals_enabled = False
    company.save()

    for url in ["/proposals/", f"/proposals/{proposal.pk}/", f"/proposals/{proposal.pk}/pdf/"]:
        assert alice_client.get(url).status_code == 404, url
    for action in ["approve", "decline"]:
        response = alice_client.post(
            f"/proposals/{proposal.pk}/{action}/", approval(proposal) | {"reason": "No."}
        )
        assert response.status_code == 404
    assert 'href="/proposals/"' not in alice_client.get("/profile/").content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
