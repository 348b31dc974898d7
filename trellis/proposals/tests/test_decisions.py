import datetime as dt
import threading
import time
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image

from trellis.audit.models import AuditEntry
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.proposals import services
from trellis.proposals.models import Proposal
from trellis.proposals.services import (
    ProposalDecisionRefused,
    ProposalNotDecidable,
    ProposalTotalChanged,
    SignatureInvalid,
    proposal_approve,
    proposal_decline,
)
from trellis.testing.factories import (
    ContactFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

ITEMS = [
    {"description": "Aeration", "quantity": Decimal(2), "unit_price": Decimal("45.50")},
    {"description": "Overseeding", "unit_price": Decimal("80.00"), "optional": True},
    {"description": "Lime", "unit_price": Decimal("35.00"), "optional": True},
]


def png(width=300, height=100, **save_options) -> bytes:
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    for x in range(20, min(width, 200)):
        image.putpixel((x, height // 2), (0, 0, 0, 255))
    out = BytesIO()
    image.save(out, format="PNG", **save_options)
    return out.getvalue()


def proposal_of(contact, role=PropertyContact.Role.PRIMARY, **fields):
    prop = PropertyFactory()
    PropertyContactFactory(property=prop, contact=contact, role=role)
    return ProposalFactory(
        **{"property": prop, "emailed_at": timezone.now(), "items": ITEMS} | fields
    )


def item(proposal, description):
    return proposal.items.get(description=description)


def approve(proposal, contact, **changes):
    arguments = {
        "proposal_id": proposal.pk,
        "contact": contact,
        "signer_name": "Alice Arnold",
        "signature_png": None,
        "chosen_item_ids": set(),
        "ip": "203.0.113.7",
    }
    return proposal_approve(**arguments | changes)


def decline(proposal, contact, reason="Too expensive this year."):
    return proposal_decline(proposal_id=proposal.pk, contact=contact, reason=reason, ip="::1")


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://testserver.example"


@pytest.fixture
def notify_office():
    company = Company.load()
    company.staff_notification_email = "office@greenway.example"
    company.save()


def test_approving_with_one_optional_item_records_the_choice_the_signer_and_when(alice):
    proposal = proposal_of(alice.contact)
    signature = png()

    approve(
        proposal,
        alice.contact,
        signer_name="  Alice   Arnold ",
        signature_png=signature,
        chosen_item_ids={item(proposal, "Lime").pk},
    )

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    assert {i.description: i.chosen for i in proposal.items.all()} == {
        "Aeration": False,
        "Overseeding": False,
        "Lime": True,
    }
    assert proposal.total == Decimal("126.00")
    assert proposal.signer_name == "Alice Arnold"
    assert bytes(proposal.signature_png) == signature
    assert proposal.decided_by == alice.contact
    assert proposal.decided_from_ip == "203.0.113.7"
    assert timezone.now() - proposal.decided_at < dt.timedelta(minutes=1)
    assert proposal.decline_reason == ""


def test_approving_unchooses_optional_items_left_out(alice):
    proposal = proposal_of(alice.contact)
    proposal.items.filter(description="Overseeding").update(chosen=True)  # staff suggested it

    approve(proposal, alice.contact, chosen_item_ids={item(proposal, "Lime").pk})

    assert not item(proposal, "Overseeding").chosen
    assert item(proposal, "Lime").chosen


def test_ids_of_required_items_or_of_other_proposals_are_ignored(alice):
    proposal = proposal_of(alice.contact)
    other = proposal_of(alice.contact)
    ids = {item(proposal, "Aeration").pk, item(other, "Lime").pk}

    approve(proposal, alice.contact, chosen_item_ids=ids)

    assert not proposal.items.filter(chosen=True).exists()
    assert not other.items.filter(chosen=True).exists()
    other.refresh_from_db()
    assert other.status == Proposal.Status.SENT


def test_approval_without_a_drawn_signature_is_signed_by_the_typed_name(alice):
    proposal = approve(proposal_of(alice.contact), alice.contact, signature_png=None)
    proposal.refresh_from_db()
    assert proposal.signer_name == "Alice Arnold"
    assert proposal.signature_png is None


@pytest.mark.parametrize("name", ["", "   "])
def test_approval_needs_the_signers_name(alice, name):
    proposal = proposal_of(alice.contact)
    with pytest.raises(ProposalDecisionRefused) as refused:
        approve(proposal, alice.contact, signer_name=name)
    assert refused.value.field == "signer_name"
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


@pytest.mark.parametrize(
    "signature",
    [
        b"not an image",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # the signature of a PNG, then nothing
        png()[:-30],  # cut short
    ],
    ids=["not-an-image", "png-magic-only", "truncated"],
)
def test_a_signature_that_is_not_a_png_image_is_refused(alice, signature):
    proposal = proposal_of(alice.contact)
    with pytest.raises(SignatureInvalid):
        approve(proposal, alice.contact, signature_png=signature)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_a_jpeg_signature_is_refused(alice):
    out = BytesIO()
    Image.new("RGB", (50, 50)).save(out, format="JPEG")
    with pytest.raises(SignatureInvalid):
        approve(proposal_of(alice.contact), alice.contact, signature_png=out.getvalue())


def test_a_signature_over_the_size_limit_is_refused(alice, monkeypatch):
    monkeypatch.setattr(services, "SIGNATURE_MAX_BYTES", 1000)
    with pytest.raises(SignatureInvalid, match="too large"):
        approve(proposal_of(alice.contact), alice.contact, signature_png=png(800, 300) + b"x")


def test_a_signature_claiming_an_enormous_canvas_is_refused(alice):
    with pytest.raises(SignatureInvalid):
        approve(proposal_of(alice.contact), alice.contact, signature_png=png(5000, 10))


def test_approval_is_refused_when_the_total_shown_is_not_the_total_chosen(alice):
    proposal = proposal_of(alice.contact)
    with pytest.raises(ProposalTotalChanged) as changed:
        approve(
            proposal,
            alice.contact,
            chosen_item_ids={item(proposal, "Lime").pk},
            expected_total=Decimal("91.00"),
        )
    assert changed.value.total == Decimal("126.00")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    assert not proposal.items.filter(chosen=True).exists()


def test_approval_goes_through_when_the_total_shown_is_right(alice):
    proposal = proposal_of(alice.contact)
    approve(
        proposal,
        alice.contact,
        chosen_item_ids={item(proposal, "Lime").pk},
        expected_total=Decimal("126.00"),
    )
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED


def test_declining_records_the_reason_in_the_customers_words(alice):
    proposal = proposal_of(alice.contact)

    decline(proposal, alice.contact, reason="  We are moving house in May.  ")

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.decline_reason == "We are moving house in May."
    assert proposal.decided_by == alice.contact
    assert proposal.decided_from_ip == "::1"
    assert proposal.decided_at is not None
    assert proposal.signer_name == ""


@pytest.mark.parametrize("reason", ["", " \n "])
def test_declining_needs_a_reason(alice, reason):
    proposal = proposal_of(alice.contact)
    with pytest.raises(ProposalDecisionRefused) as refused:
        decline(proposal, alice.contact, reason=reason)
    assert refused.value.field == "reason"
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT


def test_approving_after_a_decline_is_refused_and_changes_nothing(alice):
    proposal = proposal_of(alice.contact)
    decline(proposal, alice.contact)

    with pytest.raises(ProposalNotDecidable, match="already been declined"):
        approve(proposal, alice.contact, chosen_item_ids={item(proposal, "Lime").pk})

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.signer_name == ""
    assert not proposal.items.filter(chosen=True).exists()


def test_a_proposal_is_approved_once(alice):
    proposal = proposal_of(alice.contact)
    approve(proposal, alice.contact, signer_name="Alice Arnold")

    with pytest.raises(ProposalNotDecidable, match="already been approved"):
        approve(proposal, alice.contact, signer_name="Someone Else")
    with pytest.raises(ProposalNotDecidable, match="already been approved"):
        decline(proposal, alice.contact)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.signer_name) == (Proposal.Status.APPROVED, "Alice Arnold")
    assert AuditEntry.objects.filter(action__startswith="proposal.").count() == 1


@pytest.mark.parametrize("status", [Proposal.Status.DRAFT, Proposal.Status.WITHDRAWN])
def test_drafts_and_withdrawn_proposals_cannot_be_decided(alice, status):
    # The portal does not show them at all, emailed or not (trellis.visibility):
    # they are not found, which the portal answers with a 404.
    proposal = proposal_of(alice.contact, status=status)
    with pytest.raises(Proposal.DoesNotExist):
        approve(proposal, alice.contact)
    with pytest.raises(Proposal.DoesNotExist):
        decline(proposal, alice.contact)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at) == (status, None)
    assert not AuditEntry.objects.exists()


def test_someone_elses_proposal_cannot_be_decided(alice, charlie):
    theirs = proposal_of(charlie)
    other_role = proposal_of(alice.contact, role=PropertyContact.Role.OTHER)
    unpublished = proposal_of(alice.contact, emailed_at=None)

    for proposal in [theirs, other_role, unpublished]:
        with pytest.raises(Proposal.DoesNotExist):
            approve(proposal, alice.contact, chosen_item_ids={item(proposal, "Lime").pk})
        with pytest.raises(Proposal.DoesNotExist):
            decline(proposal, alice.contact)
        proposal.refresh_from_db()
        assert proposal.status == Proposal.Status.SENT
        assert not proposal.items.filter(chosen=True).exists()


def test_a_billing_contact_decides_too(alice):
    proposal = proposal_of(alice.contact, role=PropertyContact.Role.BILLING)
    decline(proposal, alice.contact)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED


def test_each_decision_is_in_the_audit_log(alice):
    approved = proposal_of(alice.contact)
    declined = proposal_of(alice.contact)
    approve(approved, alice.contact, chosen_item_ids={item(approved, "Lime").pk})
    decline(declined, alice.contact, reason="Not now.")

    entries = {e.action: e for e in AuditEntry.objects.filter(action__startswith="proposal.")}
    assert entries["proposal.approved"].target_id == str(approved.pk)
    assert entries["proposal.approved"].actor == alice
    assert entries["proposal.approved"].data["total"] == "126.00"
    assert entries["proposal.approved"].data["ip"] == "203.0.113.7"
    assert entries["proposal.declined"].target_id == str(declined.pk)
    assert entries["proposal.declined"].data["reason"] == "Not now."


def test_staff_are_told_of_an_approval(alice, notify_office):
    proposal = proposal_of(alice.contact, number="PR-7001", title="Lawn renovation")
    approve(
        proposal,
        alice.contact,
        signature_png=png(),
        chosen_item_ids={item(proposal, "Lime").pk},
    )

    email = OutgoingEmail.objects.get()
    assert email.kind == OutgoingEmail.Kind.NOTIFICATION
    assert email.to_address == "office@greenway.example"
    assert email.subject == "Proposal PR-7001 approved by Alice Arnold"
    for text in [
        "Alice Arnold approved proposal PR-7001",
        '"Lawn renovation"',
        "Total: 126.00 USD",
        "Signed by: Alice Arnold (with a drawn signature)",
        "Optional items chosen: Lime",
        "Optional items not chosen: Overseeding",
        "203.0.113.7",
        f"http://testserver.example/office/proposals/{proposal.pk}/",
    ]:
        assert text in email.body_text, text
    assert f"/office/proposals/{proposal.pk}/" in email.body_html
    assert email.about_id == str(proposal.pk)


def test_staff_are_told_of_a_decline_and_why(alice, notify_office):
    proposal = proposal_of(alice.contact, number="PR-7002")
    decline(proposal, alice.contact, reason='We\'d rather wait until "autumn" & see.')

    email = OutgoingEmail.objects.get()
    assert email.subject == "Proposal PR-7002 declined by Alice Arnold"
    assert "Alice Arnold declined proposal PR-7002" in email.body_text
    assert "Total: 91.00 USD" in email.body_text
    # The plain-text body is not HTML: the customer's words arrive as typed.
    assert 'We\'d rather wait until "autumn" & see.' in email.body_text
    assert "We&#x27;d rather wait until &quot;autumn&quot; &amp; see." in email.body_html


def test_nobody_is_emailed_without_a_staff_notification_address(alice):
    decline(proposal_of(alice.contact), alice.contact)
    assert not OutgoingEmail.objects.exists()


# --- two people press at the same moment -------------------------------------

DECISIONS = {
    "approve": lambda proposal, contact: approve(proposal, contact),
    "decline": lambda proposal, contact: decline(proposal, contact),
}


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite lets one writer at a time in (transactions begin IMMEDIATE): "
    "there is no race to test. Run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first, second", [("approve", "approve"), ("approve", "decline")])
def test_two_simultaneous_decisions_record_exactly_one(
    alice, notify_office, monkeypatch, first, second
):
    proposal = proposal_of(alice.contact)
    other_contact = ContactFactory()
    PropertyContactFactory(
        property=proposal.property, contact=other_contact, role=PropertyContact.Role.BILLING
    )
    real_audit_record = services.audit_record

    def slow_audit_record(**kwargs):
        # Hold the transaction open after the status was read, so the other
        # decision arrives while this one is undecided: without the row lock
        # both would read "sent" and both would be recorded.
        time.sleep(0.3)
        return real_audit_record(**kwargs)

    monkeypatch.setattr(services, "audit_record", slow_audit_record)
    barrier = threading.Barrier(2)
    outcomes = []

    def press(decision, contact):
        try:
            barrier.wait(timeout=10)
            DECISIONS[decision](proposal, contact)
            outcomes.append("decided")
        except ProposalNotDecidable:
            outcomes.append("refused")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=press, args=(first, alice.contact)),
        threading.Thread(target=press, args=(second, other_contact)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["decided", "refused"]
    proposal.refresh_from_db()
    assert proposal.status in {Proposal.Status.APPROVED, Proposal.Status.DECLINED}
    assert AuditEntry.objects.filter(action__startswith="proposal.").count() == 1
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.NOTIFICATION).count() == 1
