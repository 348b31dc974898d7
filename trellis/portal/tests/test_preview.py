"""View as customer, seen from the portal: staff see exactly what the contact
sees, and nothing they do there changes anything."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.models import AccessToken
from trellis.accounts.preview import SESSION_KEY
from trellis.accounts.tokens import token_issue
from trellis.accounts.two_factor import totp_code_now, totp_device_pending
from trellis.autopay.authorisation import AUTHORISATION_VERSION
from trellis.autopay.models import Enrollment
from trellis.autopay.services import autopay_turn_on
from trellis.billing.bank_accounts import bank_account_add
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.selectors import invoices_due
from trellis.billing.tests.methods import saved_card
from trellis.company.models import Company
from trellis.customers.models import Contact, PropertyContact
from trellis.issues.models import Issue, Photo
from trellis.issues.tests.photos import png
from trellis.portal.tests.conftest import sign_in
from trellis.portal.urls import urlpatterns
from trellis.proposals.models import Proposal
from trellis.sandbox_processor.testing import bank_account_token, sandbox_token
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import (
    CommentFactory,
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    IssueFactory,
    ProposalFactory,
    StaffFactory,
)
from trellis.visibility import (
    visible_invoices,
    visible_issues,
    visible_properties,
    visible_proposals,
)

pytestmark = pytest.mark.django_db

BANNER = "You are viewing the portal as Maria Lopez. Nothing can be paid, approved or changed."
REFUSED = (
    "This is a preview of Maria Lopez's portal: nothing can be paid, approved or changed here."
)
EXIT_FORM = 'action="/preview/exit/"'
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>", re.IGNORECASE)
# What a preview must leave as it found it: everything but the audit log,
# which records the preview, and the sessions (the staff member's own changes).
UNTOUCHED_APPS = {
    "accounts",
    "customers",
    "billing",
    "proposals",
    "issues",
    "mail",
    "documents",
    "company",
    "autopay",
    "otp_totp",
    "otp_static",
}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@dataclass
class World:
    """Maria's portal, with one of each thing she sees and of each she must not."""

    maria: Contact
    invoice: Invoice
    paid_invoice: Invoice
    other_due_invoice: Invoice
    proposal: Proposal
    issue: Issue
    photo: Photo
    default_method: PaymentMethod
    other_method: PaymentMethod
    # A bank account waiting for its two deposits to be confirmed.
    bank_account: PaymentMethod
    enrollment: Enrollment
    payment: Payment
    invitation_token: str
    reset_token: str
    # Each hidden from Maria by one rule of trellis.visibility.
    unpublished_invoice: Invoice
    other_role_invoice: Invoice
    other_role_proposal: Proposal
    not_included_issue: Issue
    internal_photo: Photo
    # The authenticator app Maria is setting up, not confirmed yet.
    maria_app: TOTPDevice


def photo_of(issue, comment=None):
    photo = Photo(issue=issue, comment=comment, content_type="image/png", size=1, original_name="a")
    photo.image.save("photo", png(), save=False)
    photo.save()
    return photo


@pytest.fixture
def maria(db):
    """Maria Lopez: a verified customer."""
    contact = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    CustomerAccountFactory(contact=contact)
    return contact


@pytest.fixture
def world(maria, staff):
    Company.load()  # made on first use: before the snapshots, not during
    now = timezone.now()
    home = property_of(maria, name="Casa Lopez")
    offices = property_of(maria, role=PropertyContact.Role.BILLING, name="Lopez Offices")
    neighbour = property_of(maria, role=PropertyContact.Role.OTHER, name="The neighbour's")
    invoice = InvoiceFactory(property=home, printed_at=now)
    default_method = saved_card(maria, is_default=True)
    issue = IssueFactory(property=home, subject="Sprinkler")
    internal = CommentFactory(issue=issue, is_public=False, body="Internal note")
    CommentFactory(issue=issue, body="We will come on Tuesday.")
    nina = ContactFactory(first_name="Nina", email="nina@example.com")
    return World(
        maria=maria,
        invoice=invoice,
        paid_invoice=invoices(offices, 1, status=Invoice.Status.PAID)[0],
        other_due_invoice=InvoiceFactory(property=offices, emailed_at=now),
        proposal=ProposalFactory(
            property=offices,
            printed_at=now,
            items=[
                {"description": "Mulch", "unit_price": Decimal("100.00")},
                {"description": "Lime", "unit_price": Decimal("26.00"), "optional": True},
            ],
        ),
        issue=issue,
        photo=photo_of(issue),
        default_method=default_method,
        other_method=saved_card(maria),
        bank_account=bank_account_add(
            contact=maria,
            token=bank_account_token(),
            holder_name="Maria Lopez",
            saved_by=None,
            make_default=False,
        ),
        enrollment=autopay_turn_on(
            contact=maria,
            user=maria.portal_account,
            method=default_method,
            property=home,
            version=AUTHORISATION_VERSION,
            company=Company.load(),
        ),
        payment=Payment.objects.create(
            invoice=invoice,
            method=default_method,
            paid_by=maria,
            amount=Decimal("10.00"),
            idempotency_key=uuid.uuid4().hex,
        ),
        invitation_token=token_issue(
            contact=nina,
            purpose=AccessToken.Purpose.INVITATION,
            sent_to=nina.email,
            lifetime=timedelta(days=1),
            created_by=staff,
        )[1],
        reset_token=token_issue(
            contact=maria,
            purpose=AccessToken.Purpose.PASSWORD_RESET,
            sent_to=maria.email,
            lifetime=timedelta(hours=1),
        )[1],
        unpublished_invoice=InvoiceFactory(property=home),
        other_role_invoice=InvoiceFactory(property=neighbour, printed_at=now),
        other_role_proposal=ProposalFactory(property=neighbour, printed_at=now),
        not_included_issue=IssueFactory(property=home, include_client=False, subject="Staff only"),
        internal_photo=photo_of(issue, internal),
        maria_app=totp_device_pending(user=maria.portal_account),
    )


def start_preview(client: Client, staff, contact: Contact) -> Client:
    client.force_login(staff)
    response = client.post(reverse("office:contact-view-as", kwargs={"contact_id": contact.pk}))
    assert response.status_code == 302 and response.url == "/"
    return client


@pytest.fixture
def preview(staff, world):
    return start_preview(Client(), staff, world.maria)


@pytest.fixture
def maria_client(world):
    client = Client()
    assert sign_in(client, "maria@example.com").status_code == 302
    return client


def snapshot():
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in UNTOUCHED_APPS
    }


# --- every URL of the portal ------------------------------------------------

READ, CHANGE, EXIT = "reads", "changes", "exit"
NEW_PASSWORD = {"new_password": "a much better passphrase", "new_password_again": ""}
NEW_PASSWORD["new_password_again"] = NEW_PASSWORD["new_password"]

# Every named URL of the portal: whether its purpose is to read or to change
# something, where it is for Maria, and a POST that does its job for her.
ROUTES = {
    "home": (READ, lambda w: "/", None),
    "sign-in": (
        READ,
        lambda w: "/sign-in/",
        lambda w: {"email": "maria@example.com", "password": "correct horse battery staple"},
    ),
    "sign-out": (READ, lambda w: "/sign-out/", None),
    "forgot-password": (
        CHANGE,
        lambda w: "/forgot-password/",
        lambda w: {"email": "maria@example.com"},
    ),
    "help": (READ, lambda w: "/help/", None),
    "password-reset": (
        CHANGE,
        lambda w: f"/reset/{w.reset_token}/",
        lambda w: NEW_PASSWORD,
    ),
    "invitation": (
        CHANGE,
        lambda w: f"/invitation/{w.invitation_token}/",
        lambda w: {"first_name": "Nina", "last_name": "Novak", **NEW_PASSWORD},
    ),
    "invoices": (READ, lambda w: "/invoices/", None),
    "invoice": (READ, lambda w: f"/invoices/{w.invoice.pk}/", None),
    "invoice-pdf": (READ, lambda w: f"/invoices/{w.invoice.pk}/pdf/", None),
    "proposals": (READ, lambda w: "/proposals/", None),
    "proposal": (READ, lambda w: f"/proposals/{w.proposal.pk}/", None),
    "proposal-pdf": (READ, lambda w: f"/proposals/{w.proposal.pk}/pdf/", None),
    "proposal-approve": (
        CHANGE,
        lambda w: f"/proposals/{w.proposal.pk}/approve/",
        lambda w: {
            "chosen": [w.proposal.items.get(description="Lime").pk],
            "signer_name": "Maria Lopez",
            "accept": "on",
            "expected_total": "126.00",
        },
    ),
    "proposal-decline": (
        CHANGE,
        lambda w: f"/proposals/{w.proposal.pk}/decline/",
        lambda w: {"reason": "Too dear"},
    ),
    "requests": (READ, lambda w: "/requests/", None),
    "request-new": (
        CHANGE,
        lambda w: "/requests/new/",
        lambda w: {
            "property": w.invoice.property_id,
            "subject": "Dead hedge",
            "description": "Along the road.",
        },
    ),
    "request": (READ, lambda w: f"/requests/{w.issue.pk}/", None),
    "request-comment": (
        CHANGE,
        lambda w: f"/requests/{w.issue.pk}/comment/",
        lambda w: {"body": "Any news?"},
    ),
    "request-photo": (READ, lambda w: f"/requests/{w.issue.pk}/photos/{w.photo.pk}/", None),
    "profile": (READ, lambda w: "/profile/", None),
    "profile-details": (
        CHANGE,
        lambda w: "/profile/details/",
        lambda w: {"first_name": "Mara", "last_name": "Lopez", "language": "es"},
    ),
    "profile-email": (
        CHANGE,
        lambda w: "/profile/email/",
        lambda w: {
            "email-new_email": "maria.new@example.com",
            "email-current_password": "correct horse battery staple",
        },
    ),
    "profile-password": (
        CHANGE,
        lambda w: "/profile/password/",
        lambda w: {
            "password-current_password": "correct horse battery staple",
            "password-new_password": NEW_PASSWORD["new_password"],
            "password-new_password_again": NEW_PASSWORD["new_password"],
        },
    ),
    "payment-methods": (READ, lambda w: "/profile/payment-methods/", None),
    "payment-method-add": (
        CHANGE,
        lambda w: "/profile/payment-methods/add/",
        # The card as the processor's field hands it to the page: its token.
        lambda w: {"card_token": sandbox_token(), "holder_name": "Maria Lopez"},
    ),
    "bank-account-add": (
        CHANGE,
        lambda w: "/profile/payment-methods/add-bank-account/",
        # The account as the processor's bank field hands it to the page: its token.
        lambda w: {"bank_token": bank_account_token(), "holder_name": "Maria Lopez"},
    ),
    "bank-account-verify": (
        CHANGE,
        lambda w: f"/profile/payment-methods/{w.bank_account.pk}/verify/",
        lambda w: {"first": "0.32", "second": "0.45"},
    ),
    "receipt-emails": (CHANGE, lambda w: "/profile/payment-methods/receipts/", lambda w: {}),
    "autopay": (READ, lambda w: "/profile/autopay/", None),
    "autopay-on": (
        CHANGE,
        lambda w: "/profile/autopay/on/",
        lambda w: {
            "step": "authorise",
            "scope": "all",
            "method": w.default_method.pk,
            "version": AUTHORISATION_VERSION,
            "authorise": "on",
        },
    ),
    "autopay-off": (CHANGE, lambda w: f"/profile/autopay/{w.enrollment.pk}/off/", lambda w: {}),
    "payment-method-default": (
        CHANGE,
        lambda w: f"/profile/payment-methods/{w.other_method.pk}/default/",
        lambda w: {},
    ),
    "payment-method-remove": (
        CHANGE,
        lambda w: f"/profile/payment-methods/{w.default_method.pk}/remove/",
        lambda w: {},
    ),
    "invoice-pay": (
        CHANGE,
        lambda w: f"/invoices/{w.invoice.pk}/pay/",
        lambda w: {
            "method": w.default_method.pk,
            "amount": "25.00",
            "idempotency_key": uuid.uuid4().hex,
            "confirm": "1",
        },
    ),
    "invoices-pay-all": (
        CHANGE,
        lambda w: "/invoices/pay-all/",
        lambda w: {"method": w.default_method.pk, "batch_key": uuid.uuid4().hex},
    ),
    "payment": (READ, lambda w: f"/invoices/{w.invoice.pk}/payments/{w.payment.pk}/", None),
    "payment-retry": (
        CHANGE,
        lambda w: f"/invoices/{w.invoice.pk}/payments/{w.payment.pk}/retry/",
        lambda w: {},
    ),
    "two-factor-verify": (READ, lambda w: "/two-factor/", None),
    "two-factor": (
        CHANGE,
        lambda w: "/profile/two-factor/",
        lambda w: {"action": "turn_off", "current_password": "correct horse battery staple"},
    ),
    "two-factor-set-up": (
        CHANGE,
        lambda w: "/profile/two-factor/set-up/",
        lambda w: {"code": totp_code_now(TOTPDevice.objects.get(pk=w.maria_app.pk))},
    ),
    "preview-exit": (EXIT, lambda w: "/preview/exit/", None),
}
CHANGES = sorted(name for name, (kind, _path, _data) in ROUTES.items() if kind == CHANGE)
READS = sorted(name for name, (kind, _path, _data) in ROUTES.items() if kind == READ)
# The POSTs that change the database when Maria (or, for the pages before
# signing in, a visitor) sends them: the proof that refusing them is a test.
CHANGING_POSTS = sorted(name for name, (kind, _p, data) in ROUTES.items() if data is not None)


def test_every_portal_url_is_classified_here():
    # A new portal page must be added to ROUTES: the tests below then prove a
    # preview refuses it when it changes something, and shows it when it reads.
    assert {pattern.name for pattern in urlpatterns} == set(ROUTES)


@pytest.mark.parametrize("name", CHANGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_page_that_changes_something_is_refused_in_preview(preview, world, name, method):
    _kind, path, data = ROUTES[name]
    before = snapshot()

    send = getattr(preview, method)
    response = send(path(world), data(world)) if method == "post" else send(path(world))

    assert response.status_code == 403
    assert REFUSED in response.text
    assert BANNER in response.text
    assert snapshot() == before


@pytest.mark.parametrize("name", READS)
def test_no_post_is_taken_in_preview_even_by_a_page_that_reads(preview, world, name):
    _kind, path, data = ROUTES[name]
    before = snapshot()

    response = preview.post(path(world), data(world) if data else {})

    assert response.status_code == 403
    assert REFUSED in response.text
    assert snapshot() == before
    assert preview.session[SESSION_KEY] == world.maria.pk  # still signed in, still previewing


@pytest.mark.parametrize("name", CHANGING_POSTS)
def test_the_same_post_does_change_something_outside_a_preview(world, maria_client, name):
    _kind, path, data = ROUTES[name]
    before_signing_in = name in {"sign-in", "forgot-password", "password-reset", "invitation"}
    client = Client() if before_signing_in else maria_client
    before = snapshot()

    response = client.post(path(world), data(world))

    assert response.status_code in (200, 302), response.text
    assert snapshot() != before


@pytest.mark.parametrize("name", READS)
def test_a_page_that_reads_answers_in_preview_as_for_the_customer(
    preview, maria_client, world, name
):
    _kind, path, _data = ROUTES[name]
    before = snapshot()

    shown = preview.get(path(world))
    customers = maria_client.get(path(world))

    assert shown.status_code == customers.status_code
    assert snapshot() == before
    if shown.status_code == 200 and shown["Content-Type"].startswith("text/html"):
        page = shown.text
        assert BANNER in page
        # Nothing on the page can post, but to end the preview...
        assert {EXIT_FORM} == {re.search(r'action="[^"]*"', f)[0] for f in POST_FORM.findall(page)}
        # ...nor lead to a page that changes something.
        for change in CHANGES:
            assert f'href="{ROUTES[change][1](world)}"' not in page
    # Last, as it ends the request (and, on PostgreSQL, the test's connection):
    # a photo is a file, streamed, and must be closed.
    shown.close()
    customers.close()


# --- what the contact sees, and no more ------------------------------------


def pks(response):
    return [obj.pk for obj in response.context["page"].object_list]


def test_the_preview_lists_exactly_what_the_contact_sees(preview, maria_client, world):
    maria, company = world.maria, Company.load()

    home = preview.get("/")
    assert home.context["properties"] == list(visible_properties(contact=maria).order_by("name"))
    assert "Welcome, Maria" in home.text
    lists = {
        "/invoices/": invoices_due(visible_invoices(contact=maria, company=company)),
        "/proposals/": visible_proposals(contact=maria, company=company).filter(status="sent"),
        "/requests/": visible_issues(contact=maria, company=company).filter(
            status__in=Issue.OPEN_STATUSES
        ),
    }
    for url, visible in lists.items():
        assert sorted(pks(preview.get(url))) == sorted(visible.values_list("pk", flat=True))
        assert pks(preview.get(url)) == pks(maria_client.get(url))
    assert pks(preview.get("/invoices/?status=paid")) == [world.paid_invoice.pk]


def test_what_the_contact_may_not_see_answers_404_in_preview_too(preview, maria_client, world):
    hidden = [
        f"/invoices/{world.unpublished_invoice.pk}/",
        f"/invoices/{world.other_role_invoice.pk}/pdf/",
        f"/proposals/{world.other_role_proposal.pk}/",
        f"/requests/{world.not_included_issue.pk}/",
        f"/requests/{world.issue.pk}/photos/{world.internal_photo.pk}/",
    ]
    for url in hidden:
        assert preview.get(url).status_code == 404, url
        assert maria_client.get(url).status_code == 404, url
    assert "Internal note" not in preview.get(f"/requests/{world.issue.pk}/").text


# --- the buttons -------------------------------------------------------------

BUTTONS = [
    (lambda w: f"/invoices/{w.invoice.pk}/", lambda w: f'href="/invoices/{w.invoice.pk}/pay/"'),
    (lambda w: "/invoices/", lambda w: 'href="/invoices/pay-all/"'),
    (
        lambda w: f"/invoices/{w.invoice.pk}/payments/{w.payment.pk}/",
        lambda w: f'action="/invoices/{w.invoice.pk}/payments/{w.payment.pk}/retry/"',
    ),
    (
        lambda w: f"/proposals/{w.proposal.pk}/",
        lambda w: f'action="/proposals/{w.proposal.pk}/approve/"',
    ),
    (
        lambda w: f"/proposals/{w.proposal.pk}/",
        lambda w: f'action="/proposals/{w.proposal.pk}/decline/"',
    ),
    (lambda w: "/requests/", lambda w: 'href="/requests/new/"'),
    (lambda w: f"/requests/{w.issue.pk}/", lambda w: f'action="/requests/{w.issue.pk}/comment/"'),
    (lambda w: "/profile/payment-methods/", lambda w: 'href="/profile/payment-methods/add/"'),
    (
        lambda w: "/profile/payment-methods/",
        lambda w: f'action="/profile/payment-methods/{w.other_method.pk}/default/"',
    ),
    (
        lambda w: "/profile/payment-methods/",
        lambda w: f'action="/profile/payment-methods/{w.default_method.pk}/remove/"',
    ),
    (lambda w: "/profile/", lambda w: 'action="/profile/details/"'),
    (lambda w: "/profile/", lambda w: 'action="/profile/email/"'),
    (lambda w: "/profile/", lambda w: 'action="/profile/password/"'),
    (lambda w: "/", lambda w: 'action="/sign-out/"'),
]


@pytest.mark.parametrize(("page", "button"), BUTTONS)
def test_buttons_that_change_something_are_gone_in_preview(
    preview, maria_client, world, page, button
):
    assert button(world) in maria_client.get(page(world)).text
    assert button(world) not in preview.get(page(world)).text


def test_the_pages_still_show_what_the_buttons_were_about(preview, world):
    proposal = preview.get(f"/proposals/{world.proposal.pk}/").text
    assert "Lime" in proposal and "This proposal is waiting for your decision." in proposal
    profile = preview.get("/profile/").text
    assert "Maria" in profile and "maria@example.com" in profile
    methods = preview.get("/profile/payment-methods/").text
    assert f"•••• {world.default_method.last4}" in methods
    assert (
        f'href="/invoices/{world.invoice.pk}/pdf/"'
        in preview.get(f"/invoices/{world.invoice.pk}/").text
    )


# --- the banner, the way out, and who is signed in --------------------------


def test_every_page_has_the_banner_and_exit_preview_instead_of_sign_out(preview, maria_client):
    page = preview.get("/help/").text
    assert BANNER in page
    assert page.count(EXIT_FORM) == 2  # in the banner, and where Sign out was
    assert 'action="/sign-out/"' not in page
    assert BANNER not in maria_client.get("/help/").text


def test_a_contact_without_an_account_is_previewed_with_a_word_about_it(staff, charlie):
    preview = start_preview(Client(), staff, charlie)
    page = preview.get("/").text
    assert "You are viewing the portal as Charlie Chen." in page
    assert (
        "Charlie Chen has no portal account yet: this is what they will see once they "
        "accept their invitation." in page
    )
    assert "Welcome, Charlie" in page


def test_the_banner_does_not_mention_an_account_maria_has(preview):
    assert "no portal account yet" not in preview.get("/").text


def test_exit_preview_returns_to_the_contacts_page_in_the_office(preview, world):
    response = preview.post("/preview/exit/")

    assert response.status_code == 302
    assert response.url == reverse("office:contact", kwargs={"contact_id": world.maria.pk})
    assert SESSION_KEY not in preview.session
    assert preview.get("/").url == "/sign-in/?next=/"


def test_exit_preview_without_a_preview_goes_home(alice_client):
    assert alice_client.post("/preview/exit/").url == reverse("portal:home")


def test_signing_in_during_a_preview_is_not_offered(preview):
    assert preview.get("/sign-in/").url == "/"


def test_staff_without_a_preview_still_cannot_use_the_portal(client, staff):
    client.force_login(staff)
    assert client.get("/").url == "/sign-in/?next=/"
    page = client.get("/sign-in/")
    assert page.status_code == 200 and 'name="password"' in page.text
    assert "viewing the portal as" not in page.text


def test_a_customer_session_never_holds_a_preview(alice_client, alice, maria):
    session = alice_client.session
    session[SESSION_KEY] = maria.pk
    session.save()

    page = alice_client.get("/").text

    assert "Welcome, Alice" in page
    assert "viewing the portal as" not in page


def test_the_preview_ends_with_the_staff_members_permission(world):
    from django.contrib.auth.models import Permission

    clerk = StaffFactory()
    # What a preview shows (trellis.accounts.preview.PREVIEW_SHOWS), and no more.
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_contact", "view_invoice", "view_proposal", "view_issue"]
        )
    )
    preview = start_preview(Client(), clerk, world.maria)
    clerk.user_permissions.clear()

    assert preview.get("/").url == "/sign-in/?next=/"


def test_the_preview_ends_when_the_contact_is_deleted(staff):
    contact = ContactFactory()
    preview = start_preview(Client(), staff, contact)
    contact.delete()

    assert preview.get("/").url == "/sign-in/?next=/"
    assert SESSION_KEY not in preview.session


def permission(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="customers", codename=codename)


# --- language and cost -------------------------------------------------------


def test_a_spanish_contact_is_previewed_in_spanish(staff, world):
    Contact.objects.filter(pk=world.maria.pk).update(language="es")
    preview = start_preview(Client(), staff, world.maria)

    home = preview.get("/").text
    refused = preview.get("/requests/new/").text

    assert '<html lang="es">' in home
    assert "Bienvenido/a, Maria" in home
    assert (
        "Está viendo el portal como Maria Lopez. No se puede pagar, aprobar ni cambiar nada."
        in home
    )
    assert "Salir de la vista previa" in home
    assert "Esta es una vista previa del portal de Maria Lopez" in refused


def test_the_invoice_list_in_preview_costs_the_same_for_500_invoices_as_for_5(staff, maria):
    prop = property_of(maria)
    invoices(prop, 5)
    preview = start_preview(Client(), staff, maria)

    def queries():
        preview.get("/invoices/")  # the first request of a session also refreshes the session
        with CaptureQueriesContext(connection) as captured:
            assert preview.get("/invoices/").status_code == 200
        return len(captured)

    with_five = queries()
    invoices(prop, 495)
    assert queries() == with_five
