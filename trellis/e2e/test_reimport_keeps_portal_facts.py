"""The measured double charge, end to end on the demo data. Maria Lopez pays
INV-24030 in the portal, declines PR-5001 and changes her sign-in email; Sarah
Mitchell-Hayes signs PR-5003. Then the demo file is imported again, as `make
demo` does at every start. It used to reopen the invoice, send the proposals
again and put Maria's old email back, so she paid a second time. Now what the
customers did stays, the import says so field by field, and nothing can be
paid twice."""

import re
import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from trellis.accounts.management.commands.demo_accounts import CUSTOMER_PASSWORD
from trellis.billing.models import Invoice, Payment
from trellis.customers.models import Contact
from trellis.e2e.steps import demo_start, fill_card, portal_signed_in, sandbox_processor_at
from trellis.mail.models import OutgoingEmail
from trellis.proposals.models import Proposal
from trellis.sandbox_processor.models import Charge as ProcessorCharge

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARIA = "maria.lopez@example.com"
MARIA_NEW = "maria.lopez.home@example.com"
SARAH = "sarah.mitchellhayes@example.com"
REASON = "We are redoing the beds ourselves this spring."


def pay_in_full_with_a_new_card(page: Page, base_url: str, invoice: Invoice) -> None:
    page.goto(f"{base_url}/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Pay Invoice").click()
    page.get_by_label("Add a Payment Method").check()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.get_by_label("Amount")).to_have_value("476.56")  # the balance, in full
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm payment").click()
    expect(page.get_by_role("heading", name="Thank you for your payment")).to_be_visible()


def decline(page: Page, base_url: str, number: str, reason: str) -> None:
    page.goto(f"{base_url}/proposals/")
    page.get_by_role("link", name=f"Proposal {number}").click()
    page.get_by_text("Decline this proposal").click()
    page.get_by_label("Why are you declining this proposal?").fill(reason)
    page.get_by_role("button", name="Decline the proposal").click()
    expect(page.get_by_text(f"You declined proposal {number}.")).to_be_visible()


def approve_by_typed_name(page: Page, base_url: str, number: str, name: str) -> None:
    page.goto(f"{base_url}/proposals/")
    page.get_by_role("link", name=f"Proposal {number}").click()
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("I accept this proposal").check()
    page.get_by_role("button", name="Approve and sign").click()
    expect(page.get_by_text(f"you approved proposal {number}")).to_be_visible()


def change_sign_in_email(page: Page, base_url: str, new_email: str, password: str) -> None:
    page.goto(f"{base_url}/profile/")
    form = page.locator("form").filter(has=page.get_by_label("New email"))
    form.get_by_label("New email").fill(new_email)
    form.get_by_label("Current password").fill(password)
    form.get_by_role("button", name="Change email").click()
    expect(page.get_by_text("Your profile has been successfully updated.")).to_be_visible()
    expect(page.get_by_text(f"You sign in with {new_email}.")).to_be_visible()


KEPT_LINE = re.compile(r'^\S+ \(external_id "(?P<xid>[^"]+)"\): (?P<field>\w+): kept (?P<rest>.*)$')


def kept_lines(printed: str) -> dict[tuple[str, str], str]:
    """The import's kept lines, by (external id, field): what follows "kept"."""
    found = [KEPT_LINE.match(line) for line in printed.splitlines()]
    return {(m["xid"], m["field"]): m["rest"] for m in found if m}


def decision(number: str) -> dict[str, object]:
    proposal = Proposal.objects.select_related("decided_by").get(number=number)
    return {
        "status": proposal.status,
        "at": proposal.decided_at,
        "by": proposal.decided_by.full_name if proposal.decided_by else None,
        "reason": proposal.decline_reason,
        "signer": proposal.signer_name,
    }


def test_importing_the_demo_again_keeps_what_customers_did_and_nothing_is_paid_twice(
    live_server, browser, settings
):
    sandbox_processor_at(settings, live_server.url)
    demo_start()
    url = live_server.url
    invoice = Invoice.objects.get(number="INV-24030")
    assert (invoice.status, invoice.balance) == (Invoice.Status.OPEN, Decimal("476.56"))

    maria = portal_signed_in(browser, url, MARIA, CUSTOMER_PASSWORD)
    pay_in_full_with_a_new_card(maria, url, invoice)
    decline(maria, url, "PR-5001", REASON)
    change_sign_in_email(maria, url, MARIA_NEW, CUSTOMER_PASSWORD)
    sarah = portal_signed_in(browser, url, SARAH, CUSTOMER_PASSWORD)
    approve_by_typed_name(sarah, url, "PR-5003", "Sarah Mitchell-Hayes")

    payment = invoice.payments.get()
    decisions = {number: decision(number) for number in ("PR-5001", "PR-5003")}
    emails_before = OutgoingEmail.objects.count()

    printed = demo_start()

    # What the customers did is as they left it.
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        Invoice.Status.PAID,
        Decimal("476.56"),
        Decimal(0),
    )
    assert [(p.pk, p.source, p.status) for p in invoice.payments.all()] == [
        (payment.pk, Payment.Source.PORTAL, Payment.Status.SUCCEEDED)
    ]
    charges = ProcessorCharge.objects.filter(status=ProcessorCharge.Status.SUCCEEDED)
    assert [(c.idempotency_key, c.amount) for c in charges] == [
        (payment.idempotency_key, Decimal("476.56"))
    ]
    assert {number: decision(number) for number in decisions} == decisions
    declined, approved = decisions["PR-5001"], decisions["PR-5003"]
    assert (declined["status"], declined["by"], declined["reason"]) == (
        Proposal.Status.DECLINED,
        "Maria Lopez",
        REASON,
    )
    assert (approved["status"], approved["signer"]) == (
        Proposal.Status.APPROVED,
        "Sarah Mitchell-Hayes",
    )
    assert Contact.objects.get(external_id="C-1001").email == MARIA_NEW
    assert OutgoingEmail.objects.count() == emails_before  # nobody was told of a change back

    # The import says what it kept, one line a field, and nothing else.
    kept = kept_lines(printed)
    assert set(kept) == {
        ("C-1001", "email"),
        ("PR-5001", "status"),
        ("PR-5003", "status"),
        ("INV-24030", "payments"),
    }
    assert kept["C-1001", "email"].startswith(f'"{MARIA_NEW}" (changed in Trellis since')
    assert kept["C-1001", "email"].endswith(f'the file has "{MARIA}".')
    assert kept["PR-5001", "status"].startswith('"declined" (declined in the portal by Maria Lopez')
    assert kept["PR-5003", "status"].startswith(
        '"approved" (approved in the portal by Sarah Mitchell-Hayes'
    )
    for number in ("PR-5001", "PR-5003"):
        assert kept[number, "status"].endswith(
            ': the customer\'s decision is final); the file has "sent".'
        )
    assert kept["INV-24030", "payments"] == (
        '"476.56 in 1 payment" (paid in the portal; money received is never undone by an '
        'import); the file has "none".'
    )
    assert "Kept 4 fields as Trellis has them" in printed

    # Maria signs in with her new email, and the portal shows the same. (Everyone
    # signs in again: demo_accounts set the demo passwords again, which ends
    # every session.)
    old_email = portal_signed_in(browser, url, MARIA, CUSTOMER_PASSWORD)
    expect(old_email.get_by_text("The email or password is not correct.")).to_be_visible()
    maria = portal_signed_in(browser, url, MARIA_NEW, CUSTOMER_PASSWORD)
    expect(maria.get_by_role("link", name="User Profile")).to_be_visible()
    maria.goto(f"{url}/invoices/{invoice.pk}/")
    expect(maria.locator("dl.facts div", has_text="Status").locator("dd")).to_have_text("Paid")
    expect(maria.locator("tr", has_text="Balance due")).to_contain_text("$0.00")
    expect(maria.locator("#payments tbody tr")).to_have_count(1)
    expect(maria.locator("#payments tbody tr")).to_contain_text("$476.56")
    expect(maria.get_by_role("link", name="Pay Invoice")).to_have_count(0)
    maria.goto(f"{url}/invoices/")
    expect(maria.get_by_role("link", name="Invoice INV-24030")).to_have_count(0)
    maria.goto(f"{url}/invoices/?status=paid")
    expect(maria.get_by_role("link", name="Invoice INV-24030")).to_be_visible()

    maria.get_by_role("link", name="Proposals").click()
    maria.get_by_role("link", name=re.compile(r"^Declined")).click()
    maria.get_by_role("link", name="Proposal PR-5001").click()
    expect(maria.get_by_text("Declined on")).to_contain_text("by Maria Lopez")
    expect(maria.locator(".decline-reason")).to_contain_text(REASON)
    expect(maria.get_by_role("button", name="Decline the proposal")).to_have_count(0)
    sarah = portal_signed_in(browser, url, SARAH, CUSTOMER_PASSWORD)
    sarah.get_by_role("link", name="Proposals").click()
    sarah.get_by_role("link", name=re.compile(r"^Approved")).click()
    sarah.get_by_role("link", name="Proposal PR-5003").click()
    expect(sarah.get_by_text("Approved on")).to_contain_text("signed by Sarah Mitchell-Hayes")
    expect(sarah.get_by_role("button", name="Approve and sign")).to_have_count(0)

    # And there is no way to pay INV-24030 again.
    pay_url = f"{url}/invoices/{invoice.pk}/pay/"
    maria.goto(pay_url)
    assert maria.url == f"{url}/invoices/{invoice.pk}/"
    expect(maria.get_by_text("This invoice has nothing left to pay.")).to_be_visible()
    expect(maria.get_by_role("link", name="Pay Invoice")).to_have_count(0)

    csrf = maria.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    confirm = {
        "csrfmiddlewaretoken": csrf,
        "method": str(payment.method_id),
        "amount": "476.56",
        "confirm": "1",
    }
    again = maria.request.post(pay_url, form={**confirm, "idempotency_key": uuid.uuid4().hex})
    assert again.status == 400
    assert "This invoice is already paid." in again.text()
    # The first payment's own form, sent again, is that payment: its receipt.
    resent = maria.request.post(
        pay_url, form={**confirm, "idempotency_key": payment.idempotency_key}
    )
    assert resent.ok
    assert resent.url == f"{url}/invoices/{invoice.pk}/payments/{payment.pk}/"

    assert list(invoice.payments.values_list("pk", flat=True)) == [payment.pk]
    assert ProcessorCharge.objects.count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("476.56"))
