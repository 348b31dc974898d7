import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, PaymentMethod
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.doctor.document import SHOWN
from trellis.mail.models import OutgoingEmail
from trellis.office.contact_portal import contact_links
from trellis.office.doctor import check_panels
from trellis.office.pages import page_of
from trellis.office.why_visible import troubleshoot_url
from trellis.testing.factories import (
    CommentFactory,
    ContactFactory,
    InvoiceFactory,
    IssueFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
    StaffFactory,
)
from trellis.visibility import explain_invoice

Role = PropertyContact.Role


def panels(contact, staff=None):
    found = check_panels(
        contact=contact, company=Company.load(), staff=staff, links=contact_links(contact)
    )
    return {panel.check.code: panel for panel in found}


def contact_url(name, contact):
    return reverse(f"office:{name}", kwargs={"contact_id": contact.pk})


# --- the fix buttons of trellis.doctor's checks --------------------------------


def test_no_saved_payment_method_offers_to_save_one(db, charlie):
    panel = panels(charlie)["payment_methods"]

    assert panel.fix.url == contact_url("contact-payment-method", charlie)
    assert panel.fix.method == "get"


def test_a_saved_payment_method_offers_no_button(db, charlie):
    PaymentMethod.objects.create(
        contact=charlie,
        processor="sandbox",
        token="tok_1",
        brand=PaymentMethod.Brand.VISA,
        last4="4242",
        exp_month=12,
        exp_year=timezone.localdate().year + 2,
        holder_name="Charlie Chen",
    )

    assert panels(charlie)["payment_methods"].fix is None


def test_a_verified_contact_is_offered_a_password_reset(db, alice, staff):
    panel = panels(alice.contact, staff)["invitation"]

    assert panel.fix.url == contact_url("contact-password-reset", alice.contact)
    assert panel.fix.method == "post"
    assert panels(alice.contact, staff)["password_reset"].fix == panel.fix


def test_a_contact_not_yet_invited_is_offered_the_invite(db, charlie, staff):
    panel = panels(charlie, staff)["invitation"]

    assert panel.fix.url == contact_url("contact-invite", charlie)
    assert panel.fix.method == "post"
    assert panels(charlie, staff)["password_reset"].fix is None


def test_a_deactivated_account_is_offered_no_reset(db, alice):
    alice.is_active = False
    alice.save()

    assert panels(alice.contact)["password_reset"].fix is None


# --- the page ---------------------------------------------------------------


def test_the_page_asks_each_check_as_a_question_with_its_answer(office, charlie):
    response = office.get(contact_url("contact-troubleshoot", charlie))

    assert response.status_code == 200
    assert "Can Charlie Chen see payment methods? None saved" in response.text
    assert 'data-code="content" data-verdict="fail"' in response.text
    assert "Passed:" not in response.text
    assert "Failed:" not in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_staff_who_may_not_invite_are_still_told_whether_the_contact_was_invited(client, charlie):
    client.force_login(clerk())

    response = client.get(contact_url("contact-troubleshoot", charlie))

    assert "Has Charlie Chen received the portal invitation? Not yet" in response.text


# --- Unable to view expected content, for a chosen document ------------------


@pytest.fixture
def oak_lodge(charlie):
    """Oak Lodge, whose Billing contact is Charlie (so invoices are emailed to him)."""
    prop = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=prop, contact=charlie, role=Role.BILLING)
    company = Company.load()
    company.sending_address = "portal@greenway.example"
    company.save()
    return prop


def button_url(document, action):
    """One of the document's buttons on its office page: office:invoice-email, …"""
    kind = "request" if document._meta.model_name == "issue" else document._meta.model_name
    return reverse(f"office:{kind}-{action}", kwargs={f"{kind}_id": document.pk})


def troubleshoot(client, contact, chosen=None, **params):
    response = client.get(troubleshoot_url(contact, chosen), params)
    assert response.status_code == 200
    return response


def document_check(client, contact, document):
    return troubleshoot(client, contact, document).context["document_check"]


def fixes(check):
    return {fix.label: fix for reason in check.reasons for fix in reason.fixes}


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def clerk(*codenames):
    """Staff who may see contacts, and do only what `codenames` allow."""
    user = StaffFactory(email="sam@greenway.example", first_name="Sam")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_contact", "view_invoice", *codenames])
    )
    return user


def test_a_published_invoice_of_a_billing_contact_passes(office, charlie, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, number="INV-1001", emailed_at=timezone.now())

    response = troubleshoot(office, charlie, invoice)

    check = response.context["document_check"]
    assert check.passed
    assert check.reasons == []
    assert (
        "Can Charlie Chen see Invoice INV-1001 in the portal? Yes: the portal shows it to them."
    ) in response.text
    assert "no portal account yet" in response.text
    assert f'<a href="{page_of(invoice)}">Open Invoice INV-1001</a>' in response.text


def test_an_unpublished_invoice_fails_with_the_rules_words_and_offers_print_and_email(
    office, charlie, oak_lodge
):
    invoice = InvoiceFactory(property=oak_lodge, number="INV-1001")

    response = troubleshoot(office, charlie, invoice)

    check = response.context["document_check"]
    assert not check.passed
    verdict = explain_invoice(contact=charlie, invoice=invoice, company=Company.load())
    assert [r.failure.message for r in check.reasons] == [f.message for f in verdict.failures]
    assert [r.failure.rule for r in check.reasons] == ["published"]
    found = fixes(check)
    assert set(found) == {"Print", "Email to Charlie Chen (charlie@example.com)"}
    assert found["Print"] == ("Print", button_url(invoice, "print"), "post")
    email_fix = found["Email to Charlie Chen (charlie@example.com)"]
    assert (email_fix.url, email_fix.method) == (button_url(invoice, "email"), "post")
    assert (
        "Can Charlie Chen see Invoice INV-1001 in the portal? No: Invoice INV-1001 has been "
        "neither printed nor emailed"
    ) in response.text
    assert "has been neither printed nor emailed" in response.text
    assert f'action="{button_url(invoice, "email")}"' in response.text
    assert troubleshoot_url(charlie, invoice).endswith(f"?document=invoice:{invoice.pk}")
    assert f'name="next" value="{troubleshoot_url(charlie, invoice)}"' in response.text


def test_pressing_email_returns_to_the_troubleshoot_page_where_the_check_now_passes(
    office, charlie, oak_lodge
):
    invoice = InvoiceFactory(property=oak_lodge, number="INV-1001")
    back = troubleshoot_url(charlie, invoice)

    response = office.post(button_url(invoice, "email"), {"next": back})

    assert response.status_code == 302
    assert response.url == back
    assert messages_of(response) == [
        "Emailed Invoice INV-1001 to Charlie Chen (charlie@example.com)."
    ]
    assert OutgoingEmail.objects.get().to_address == "charlie@example.com"
    page = office.get(response.url)
    assert page.context["document_check"].passed
    assert "Emailed Invoice INV-1001 to Charlie Chen" in page.text


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/office/", "//evil.example/", "javascript:alert(1)"]
)
def test_email_ignores_a_next_that_leaves_the_site(office, charlie, oak_lodge, next_url):
    invoice = InvoiceFactory(property=oak_lodge)

    response = office.post(button_url(invoice, "email"), {"next": next_url})

    assert response.status_code == 302
    assert response.url == page_of(invoice)


def test_without_a_billing_contact_the_refusal_shows_instead_of_the_email_button(office, charlie):
    prop = PropertyFactory(name="Elm House")
    PropertyContactFactory(property=prop, contact=charlie, role=Role.PRIMARY)
    invoice = InvoiceFactory(property=prop, number="INV-2002")

    check = document_check(office, charlie, invoice)

    assert set(fixes(check)) == {"Print"}
    (reason,) = check.reasons
    assert (
        "Cannot be emailed: Elm House has no Billing contact to email Invoice INV-2002 to: "
        "add one on the property's page."
    ) in reason.notes


def test_a_draft_invoice_says_why_it_cannot_be_printed_or_emailed(office, charlie, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge, number="INV-1001", status=Invoice.Status.DRAFT)

    response = troubleshoot(office, charlie, invoice)

    check = response.context["document_check"]
    assert fixes(check) == {
        "Open Invoice INV-1001 to issue it": (
            "Open Invoice INV-1001 to issue it",
            page_of(invoice),
            "get",
        )
    }
    assert check.reasons[0].notes == [
        "Cannot be printed or emailed: Invoice INV-1001 is a draft: issue the invoice first "
        "(the Issue invoice button on its page)."
    ]
    assert "Cannot be printed or emailed" in response.text


def test_staff_who_may_not_change_invoices_get_no_print_or_email_button(client, charlie, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge)
    client.force_login(clerk())

    response = troubleshoot(client, charlie, invoice)

    check = response.context["document_check"]
    assert fixes(check) == {}
    assert check.reasons[0].notes == ["Staff who may change invoices can print or email it."]
    assert button_url(invoice, "email") not in response.text
    assert button_url(invoice, "print") not in response.text
    # The server refuses them too.
    assert client.post(button_url(invoice, "email")).status_code == 403
    assert client.post(button_url(invoice, "print")).status_code == 403
    invoice.refresh_from_db()
    assert (invoice.printed_at, invoice.emailed_at) == (None, None)


def test_staff_who_may_change_invoices_get_the_buttons(client, charlie, oak_lodge):
    invoice = InvoiceFactory(property=oak_lodge)
    client.force_login(clerk("change_invoice"))

    check = document_check(client, charlie, invoice)

    assert set(fixes(check)) == {"Print", "Email to Charlie Chen (charlie@example.com)"}


def test_an_unpublished_proposal_offers_email_to_its_primary_contact(office, charlie, oak_lodge):
    paula = ContactFactory(first_name="Paula", last_name="Prime", email="paula@example.com")
    PropertyContactFactory(property=oak_lodge, contact=paula, role=Role.PRIMARY)
    proposal = ProposalFactory(property=oak_lodge, number="PR-7")

    check = document_check(office, charlie, proposal)

    assert check.title == "Can Charlie Chen see Proposal PR-7 in the portal?"
    assert set(fixes(check)) == {"Print", "Email to Paula Prime (paula@example.com)"}


def test_a_request_without_include_client_offers_to_switch_it_on(office, charlie, oak_lodge):
    issue = IssueFactory(property=oak_lodge, subject="Dead hedge", include_client=False)

    response = troubleshoot(office, charlie, issue)

    check = response.context["document_check"]
    assert check.title == "Can Charlie Chen see the request “Dead hedge” in the portal?"
    assert [r.failure.message for r in check.reasons] == [
        "The request “Dead hedge” does not have Include Client checked."
    ]
    switch = fixes(check)["Switch on Include Client"]
    assert switch.url == button_url(issue, "include-client")
    assert switch.method == "post"
    assert f'action="{switch.url}"' in response.text


def test_switching_on_include_client_shows_the_request_and_is_audited(
    office, staff, charlie, oak_lodge
):
    issue = IssueFactory(property=oak_lodge, subject="Dead hedge", include_client=False)
    back = troubleshoot_url(charlie, issue)

    response = office.post(button_url(issue, "include-client"), {"next": back})

    assert response.status_code == 302
    assert response.url == back
    assert messages_of(response) == [
        "Include Client is now on: the customer sees “Dead hedge” and its Public replies "
        "in the portal."
    ]
    issue.refresh_from_db()
    assert issue.include_client
    entry = AuditEntry.objects.get(action="issue.include_client_on")
    assert (entry.actor, entry.target_id) == (staff, str(issue.pk))
    assert document_check(office, charlie, issue).passed


def test_switching_on_include_client_refuses_staff_who_may_not_change_requests(
    client, charlie, oak_lodge
):
    issue = IssueFactory(property=oak_lodge, include_client=False)
    client.force_login(clerk("view_issue"))

    check = document_check(client, charlie, issue)
    response = client.post(button_url(issue, "include-client"))

    assert fixes(check) == {}
    assert check.reasons[0].notes == ["Staff who may change requests can switch it on."]
    assert response.status_code == 403
    issue.refresh_from_db()
    assert not issue.include_client
    assert not AuditEntry.objects.filter(action="issue.include_client_on").exists()


def test_switching_on_include_client_ignores_a_next_that_leaves_the_site(office, oak_lodge):
    issue = IssueFactory(property=oak_lodge, include_client=False)

    response = office.post(
        button_url(issue, "include-client"),
        {"next": "https://evil.example/"},
    )

    assert response.url == page_of(issue)


def test_a_role_that_gives_nothing_links_to_the_property_where_roles_are_edited(office, charlie):
    prop = PropertyFactory(name="Elm House")
    PropertyContactFactory(property=prop, contact=charlie, role=Role.OTHER)
    invoice = InvoiceFactory(property=prop, printed_at=timezone.now())

    check = document_check(office, charlie, invoice)

    (reason,) = check.reasons
    assert reason.failure.rule == "property_role"
    assert "only a contact with the role “Other” on Elm House" in reason.failure.message
    assert reason.fixes == [
        (
            "Edit the contacts of Elm House",
            reverse("office:property-edit", kwargs={"property_id": prop.pk}),
            "get",
        )
    ]


def test_staff_who_may_not_change_properties_are_shown_the_property_instead(client, charlie):
    prop = PropertyFactory(name="Elm House")
    PropertyContactFactory(property=prop, contact=charlie, role=Role.OTHER)
    invoice = InvoiceFactory(property=prop, printed_at=timezone.now())
    client.force_login(clerk())

    (reason,) = document_check(client, charlie, invoice).reasons

    assert reason.fixes == [("Open Elm House", page_of(prop), "get")]
    assert reason.notes == ["Staff who may change properties can edit its contacts."]


def test_a_section_switched_off_links_to_the_company_settings(office, charlie, oak_lodge):
    Company.objects.filter(pk=Company.load().pk).update(requests_enabled=False)
    issue = IssueFactory(property=oak_lodge, include_client=True)

    response = troubleshoot(office, charlie, issue)

    (reason,) = response.context["document_check"].reasons
    assert reason.failure.message == (
        "The company has switched the Requests section of the portal off."
    )
    assert reason.fixes == [
        ("Open the company settings (Portal sections)", reverse("office:settings"), "get")
    ]
    assert "Open the company settings (Portal sections)" in response.text


def test_a_document_the_contact_has_no_link_to_still_gets_an_honest_answer(office, charlie):
    elsewhere = InvoiceFactory(number="INV-9", printed_at=timezone.now())

    response = troubleshoot(office, charlie, elsewhere)

    check = response.context["document_check"]
    assert not check.passed
    assert [r.failure.message for r in check.reasons] == [
        f"Charlie Chen is not the Primary or Billing contact of {elsewhere.property}, "
        "so sees none of its proposals, invoices and requests."
    ]
    choices = [c.value for g in response.context["chooser"].groups for c in g.choices]
    assert f"invoice:{elsewhere.pk}" not in choices


def test_the_comments_that_are_not_public_are_listed_for_a_request(
    office, staff, charlie, oak_lodge
):
    issue = IssueFactory(property=oak_lodge, include_client=True)
    CommentFactory(issue=issue, author_user=staff, body="We will come on Tuesday.", is_public=True)
    CommentFactory(issue=issue, author_user=staff, body="Gate code is 4411.", is_public=False)

    response = troubleshoot(office, charlie, issue)

    check = response.context["document_check"]
    assert check.passed
    assert [c.body for c in check.hidden_comments] == ["Gate code is 4411."]
    html = response.text[response.text.index('id="hidden-comments"') :]
    assert "Gate code is 4411." in html
    assert "Jane Smith" in html
    assert "We will come on Tuesday." not in html
    assert "not marked Public, so the customer does not see them" in response.text


def test_a_request_whose_comments_are_all_public_says_so(office, charlie, oak_lodge):
    issue = IssueFactory(property=oak_lodge, include_client=True)
    CommentFactory(issue=issue, is_public=True)

    response = troubleshoot(office, charlie, issue)

    assert response.context["document_check"].hidden_comments == []
    assert "Every comment on this request is Public." in response.text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("invoice:999999", "There is no invoice with id 999999: it may have been deleted."),
        ("invoice:x", "“invoice:x” names no document: choose one from the list."),
        ("payment:1", "“payment:1” names no document: choose one from the list."),
    ],
)
def test_a_document_that_does_not_exist_is_said_so(office, charlie, value, message):
    response = troubleshoot(office, charlie, document=value)

    assert response.context["document_check"] is None
    assert message in response.text


def test_the_chooser_lists_the_documents_of_the_contacts_properties_by_kind_newest_first(
    office, charlie, oak_lodge
):
    elm = PropertyFactory(name="Elm House")
    PropertyContactFactory(property=elm, contact=charlie, role=Role.OTHER)
    now = timezone.now()
    older = InvoiceFactory(
        property=oak_lodge, number="INV-1", created_at=now - dt.timedelta(days=2)
    )
    newer = InvoiceFactory(property=elm, number="INV-2", created_at=now)
    InvoiceFactory(number="INV-3")  # a stranger's property
    proposal = ProposalFactory(property=oak_lodge, number="PR-1")
    issue = IssueFactory(property=elm, subject="Dead hedge")

    groups = troubleshoot(office, charlie).context["chooser"].groups

    assert [g.label for g in groups] == ["Proposals", "Invoices", "Requests"]
    values = [[c.value for c in g.choices] for g in groups]
    assert values == [
        [f"proposal:{proposal.pk}"],
        [f"invoice:{newer.pk}", f"invoice:{older.pk}"],
        [f"request:{issue.pk}"],
    ]
    assert not any(g.more for g in groups)


def test_the_chooser_shows_the_newest_few_and_finds_older_ones_by_number(
    office, charlie, oak_lodge
):
    now = timezone.now()
    invoices = [
        InvoiceFactory(
            property=oak_lodge, number=f"INV-{n:03d}", created_at=now + dt.timedelta(minutes=n)
        )
        for n in range(SHOWN + 2)
    ]

    response = troubleshoot(office, charlie)
    (found,) = [g for g in response.context["chooser"].groups if g.label == "Invoices"]
    searched = troubleshoot(office, charlie, q="inv-000").context["chooser"]

    assert len(found.choices) == SHOWN
    assert found.more
    assert found.choices[0].value == f"invoice:{invoices[-1].pk}"
    assert "Only the newest 25 of each kind are listed" in response.text
    (oldest,) = [c for g in searched.groups for c in g.choices]
    assert oldest.value == f"invoice:{invoices[0].pk}"


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("superuser", [True, False])
def test_the_page_costs_the_same_queries_however_many_documents(client, charlie, superuser):
    """Compared on two contacts, one with a handful of documents and comments,
    one with many more than the chooser shows."""
    user = clerk("view_issue", "change_issue", "change_invoice")
    user.is_superuser = superuser
    user.save()
    client.force_login(user)
    urls = []
    for n, contact in enumerate([charlie, ContactFactory()]):
        many = 2 + n * (SHOWN + 5)
        prop = PropertyFactory()
        PropertyContactFactory(property=prop, contact=contact, role=Role.OTHER)
        for _ in range(many):
            InvoiceFactory(property=prop)
            ProposalFactory(property=prop)
        issue = IssueFactory(property=prop, include_client=False)
        for _ in range(many):
            CommentFactory(issue=issue, is_public=False)
        urls.append(troubleshoot_url(contact, issue))
    queries_for(client, urls[0])  # warm up: sessions, content types

    assert queries_for(client, urls[0]) == queries_for(client, urls[1])
