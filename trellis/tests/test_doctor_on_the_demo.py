"""The troubleshooter on the demo data (demo/README.md): for every demo
contact, the checks that fail are exactly what is really wrong, and the page
shows each check as a question with its answer.

What is really wrong in the demo, read from its README:
- Kevin Walsh (C-1014) holds only "other" roles, so he sees nothing;
- Isabel Moreno (C-1025) is only "other" on Maria's duplex, so she sees nothing.
Nobody else has a problem: most contacts have simply not been invited yet
(an answer, not a failure), nobody has saved a card, and José Ramírez's
"other" role at Lucía's cottage is a hint beside what he does see at home.
"""

import io

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from trellis.accounts.models import User
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.doctor.checks import Verdict
from trellis.doctor.contact import contact_checks
from trellis.doctor.document import document_check, document_ref
from trellis.doctor.who_sees import who_sees
from trellis.issues.models import Issue
from trellis.proposals.models import Proposal
from trellis.visibility import visible_invoices, visible_issues, visible_proposals

pytestmark = pytest.mark.django_db

DEMO = django_settings.BASE_DIR / "demo" / "demo.json"

REALLY_WRONG = {
    "C-1014": {"content"},  # Kevin Walsh: only "other" roles
    "C-1025": {"content"},  # Isabel Moreno: only "other" on the duplex
}


@pytest.fixture
def demo(settings):
    call_command("import", str(DEMO), stdout=io.StringIO(), stderr=io.StringIO())
    settings.DEBUG = True  # demo_accounts sets published passwords: DEBUG only
    call_command("demo_accounts", stdout=io.StringIO())
    settings.DEBUG = False
    return User.objects.get(email="jane.smith@greenway.example")


def demo_contacts():
    return list(Contact.objects.order_by("external_id"))


def test_no_demo_contact_gets_a_false_failure(demo):
    company = Company.load()
    contacts = demo_contacts()
    assert len(contacts) == 25

    failing = {}
    for contact in contacts:
        checks = contact_checks(contact=contact, company=company, staff=demo)
        assert [c.code for c in checks] == [
            "payment_methods",
            "content",
            "invitation",
            "password_reset",
        ]
        found = {check.code for check in checks if check.failed}
        if found:
            failing[contact.external_id] = found

    assert failing == REALLY_WRONG


def test_kevin_is_told_plainly_that_he_sees_nothing(demo):
    kevin = Contact.objects.get(external_id="C-1014")

    checks = {c.code: c for c in contact_checks(contact=kevin, company=Company.load())}

    content = checks["content"]
    assert content.verdict == Verdict.FAIL
    assert content.question == "Can Kevin Walsh see proposals, invoices and requests?"
    assert content.answer.startswith("No: Kevin Walsh holds only “Other” roles")
    assert len([line for line in content.evidence if "“Other”" in line]) == 2
    # He has an account (demo_accounts): verified, and nothing stops a reset.
    assert checks["invitation"].verdict == Verdict.PASS
    assert checks["password_reset"].verdict == Verdict.PASS


def test_jose_sees_his_home_and_his_role_at_the_cottage_is_only_a_hint(demo):
    jose = Contact.objects.get(external_id="C-1006")

    content = {c.code: c for c in contact_checks(contact=jose, company=Company.load())}["content"]

    assert content.verdict == Verdict.PASS
    assert content.answer == "Yes: those of 1 property, as their Primary or Billing contact."
    (hint,) = content.hints
    assert "only a contact with the role “Other”" in hint


def test_the_document_check_agrees_with_what_each_portal_user_sees(demo):
    """For the demo's three portal users, every document on any property:
    the doctor says "Yes" exactly when the portal lists it."""
    company = Company.load()
    for account in User.objects.filter(contact__isnull=False).select_related("contact"):
        contact = account.contact
        listed = {
            *(document_ref(d) for d in visible_proposals(contact=contact, company=company)),
            *(document_ref(d) for d in visible_invoices(contact=contact, company=company)),
            *(document_ref(d) for d in visible_issues(contact=contact, company=company)),
        }
        for model in (Proposal, Invoice, Issue):
            for document in model._default_manager.select_related("property"):
                check = document_check(contact=contact, document=document, company=company)
                assert check.visibility.visible == (document_ref(document) in listed), (
                    contact,
                    document,
                )


def test_who_sees_says_one_thing_per_demo_contact(demo):
    company = Company.load()
    answers = set()
    for invoice in Invoice.objects.select_related("property"):
        for row in who_sees(invoice, company=company):
            answers.add(row.answer)
            assert (row.verdict == Verdict.FAIL) == (not row.shown), (invoice, row.contact)
            assert bool(row.failures) == (not row.shown)

    assert answers == {
        "Sees it.",
        "Doesn't see it.",
        "Will see it once they accept an invitation: no portal account yet.",
        "Would see it, but has no email to be invited with, so no portal account.",
    }


def test_maria_sees_her_paid_invoice_in_one_row(demo):
    invoice = Invoice.objects.get(number="INV-24001")

    (maria,) = who_sees(invoice)  # Primary and Billing on her home: one row

    assert sorted(maria.roles) == ["Billing", "Primary"]
    assert (maria.verdict, maria.answer) == (Verdict.PASS, "Sees it.")


def test_maria_cannot_see_the_invoice_that_was_never_printed_or_emailed(demo):
    maria = Contact.objects.get(external_id="C-1001")
    invoice = Invoice.objects.get(number="INV-24042")

    check = document_check(contact=maria, document=invoice, company=Company.load())

    assert check.verdict == Verdict.FAIL
    assert check.question == "Can Maria Lopez see Invoice INV-24042 in the portal?"
    assert check.answer.startswith("No: Invoice INV-24042 has been neither printed nor emailed")


def test_the_troubleshoot_page_of_every_demo_contact_asks_and_answers(client, demo):
    client.force_login(demo)
    for contact in demo_contacts():
        response = client.get(
            reverse("office:contact-troubleshoot", kwargs={"contact_id": contact.pk})
        )

        assert response.status_code == 200
        html = response.text
        assert "Passed:" not in html
        assert "Failed:" not in html
        assert escape(f"Can {contact.full_name} see payment methods?") in html
        failures = html.count('data-verdict="fail"')
        assert failures == len(REALLY_WRONG.get(contact.external_id, ())), contact
