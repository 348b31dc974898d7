"""Every page of the portal and the office carries the Content-Security-Policy
and runs no script it would refuse; the HTTPS, header and cookie rules of the
security checks 2-7 (docs: the README's production section)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

import trellis.urls
from trellis.accounts.models import AccessToken
from trellis.accounts.tokens import token_issue
from trellis.autopay.authorisation import AUTHORISATION_VERSION
from trellis.autopay.services import autopay_turn_on
from trellis.billing.bank_accounts import bank_account_add
from trellis.billing.gateways.sandbox import SandboxGateway
from trellis.billing.payments import invoice_pay
from trellis.billing.tests.methods import due_invoice, key, saved_card
from trellis.company.models import Company
from trellis.content_security import HtmlContentSecurityPolicyMiddleware
from trellis.issues.models import Photo
from trellis.issues.tests.photos import png
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.objects import MAKERS, office_arguments
from trellis.portal.tests.conftest import sign_in
from trellis.sandbox_processor.testing import bank_account_token
from trellis.testing.factories import (
    ContactFactory,
    IssueFactory,
    ProposalFactory,
)
from trellis.testing.mail import link_in
from trellis.testing.stripe_api import stripe_api_fixture  # noqa: F401
from trellis.tests.security_world import office_patterns

pytestmark = pytest.mark.django_db

PROCESSOR = "https://js.stripe.com"


class HostedFieldsGateway(SandboxGateway):
    """The sandbox, with card fields served from a processor's origin as Stripe's are."""

    card_page_sources = {"script-src": (PROCESSOR,), "frame-src": (PROCESSOR,)}


# The pages where a card or a bank account is typed: the only ones that may
# load the processor.
CARD_ENTRY_PAGES = {
    "portal:payment-method-add",
    "portal:bank-account-add",
    "portal:invoice-pay",
    "office:contact-payment-method",
}


# The sandbox processor's pages, as a processor's own site: its card field is
# framed by Trellis's pages (and by nothing else), and its bank prompt sends
# the customer back to Trellis.
def required_but(name: str, response: HttpResponse) -> dict[str, list[str]]:
    if response.status_code != 200:
        return {}
    trellis = settings.PUBLIC_BASE_URL
    return {
        "sandbox_processor:card-field": {"frame-ancestors": [trellis]},
        "sandbox_processor:bank-field": {"frame-ancestors": [trellis]},
        "sandbox_processor:authenticate": {"form-action": ["'self'", trellis]},
    }.get(name, {})


# Exactly these sources, on every page.
REQUIRED = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


@pytest.fixture(autouse=True)
def _processor_with_hosted_fields(settings, tmp_path):
    settings.PAYMENT_GATEWAY = f"{__name__}.HostedFieldsGateway"
    settings.MEDIA_ROOT = tmp_path


def policy_of(response: HttpResponse) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


class PageScanner(HTMLParser):
    """What a page would run: its inline scripts' nonces, its on…= handlers and
    javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_script_nonces: list[str | None] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attributes.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=…>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}=javascript:…>")
        # A JSON data block is never run, so no policy applies to it.
        runs = attributes.get("type") != "application/json"
        if tag == "script" and "src" not in attributes and runs:
            self.inline_script_nonces.append(attributes.get("nonce"))


def problems_of(name: str, response: HttpResponse) -> list[str]:
    """What is wrong with one response: every response has nosniff and a
    same-origin Referrer-Policy; an HTML page also has the whole policy and
    runs nothing the policy would refuse."""
    found = []
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") not in {"same-origin", "no-referrer"}:
        found.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')!r}")
    if not is_html(response):
        return found
    policy = policy_of(response)
    found += [
        f"{directive} is {policy.get(directive)}, not {sources}"
        for directive, sources in {**REQUIRED, **required_but(name, response)}.items()
        if policy.get(directive) != sources
    ]
    script_src = policy.get("script-src", [])
    nonces = [s[len("'nonce-") : -1] for s in script_src if s.startswith("'nonce-")]
    allowed = {"'self'", *(f"'nonce-{n}'" for n in nonces)}
    if name in CARD_ENTRY_PAGES:
        allowed.add(PROCESSOR)
        shows_the_form = response.status_code == 200
        allows = PROCESSOR in script_src and PROCESSOR in policy.get("frame-src", [])
        if shows_the_form and not allows:
            found.append(f"the processor is not allowed: {policy}")
    elif PROCESSOR in response.headers["Content-Security-Policy"]:
        found.append("the processor is allowed on a page that takes no card")
    if "'self'" not in script_src or not set(script_src) <= allowed:
        found.append(f"script-src is {script_src}")
    scanner = PageScanner()
    scanner.feed(response.content.decode())
    found += scanner.handlers
    found += [
        f"an inline <script> with nonce {nonce!r}, not the header's {nonces}"
        for nonce in scanner.inline_script_nonces
        if nonce is None or nonce not in nonces
    ]
    return found


def is_html(response: HttpResponse) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")


@dataclass
class Walk:
    """The responses of one walk, and what was wrong with them."""

    pages: set[str]  # the names that answered 200 with HTML
    problems: list[str]

    def visit(self, name: str, response: HttpResponse) -> None:
        if response.status_code == 200 and is_html(response):
            self.pages.add(name)
        self.problems += [
            f"{name} ({response.status_code}): {p}" for p in problems_of(name, response)
        ]


def named_patterns(patterns: list[Any], namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += named_patterns(pattern.url_patterns, inner)
        elif pattern.name:
            found.append((f"{namespace}{pattern.name}", pattern))
    return found


def parameters(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex)


def walk(client: Client, patterns: list[tuple[str, URLPattern]], kwargs_of: dict) -> Walk:
    """GET every named URL with the objects given for its parameters."""
    seen = Walk(set(), [])
    for name, pattern in patterns:
        kwargs = kwargs_of.get(name, {})
        missing = parameters(pattern) - set(kwargs)
        if missing:
            seen.problems.append(f"{name}: the walk has no object for {sorted(missing)}")
            continue
        response = client.get(reverse(name, kwargs=kwargs))
        seen.visit(name, response)
        if response.streaming:  # read to the end, as the test client then closes the file
            b"".join(response.streaming_content)
    return seen


# The portal --------------------------------------------------------------------------


@dataclass
class Portal:
    """Alice's portal with one of everything, and the links emailed to her and Charlie."""

    kwargs: dict[str, dict[str, Any]]


@pytest.fixture
def portal(alice, charlie) -> Portal:
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)
    payment = invoice_pay(
        invoice_id=invoice.pk,
        contact=alice.contact,
        company=Company.load(),
        method=method,
        amount=Decimal("40.00"),
        idempotency_key=key(),
    )
    proposal = ProposalFactory(property=invoice.property, printed_at=timezone.now())
    bank_account = bank_account_add(
        contact=alice.contact,
        token=bank_account_token(),
        holder_name="Alice",
        saved_by=None,
        make_default=False,
    )
    enrollment = autopay_turn_on(
        contact=alice.contact,
        user=alice,
        method=method,
        property=invoice.property,
        version=AUTHORISATION_VERSION,
        company=Company.load(),
    )
    issue = IssueFactory(property=invoice.property, include_client=True)
    photo = Photo(issue=issue, content_type="image/png", size=1, original_name="garden.png")
    photo.image.save("photo", png(), save=False)
    photo.save()
    reset = token_issue(
        contact=alice.contact,
        purpose=AccessToken.Purpose.PASSWORD_RESET,
        sent_to=alice.contact.email,
        lifetime=timedelta(hours=1),
    )[1]
    invitation = token_issue(
        contact=charlie,
        purpose=AccessToken.Purpose.INVITATION,
        sent_to=charlie.email,
        lifetime=timedelta(days=7),
    )[1]
    invoice_pk = {"pk": invoice.pk}
    proposal_pk = {"pk": proposal.pk}
    issue_pk = {"pk": issue.pk}
    kwargs = {
        "invoice": invoice_pk,
        "invoice-pdf": invoice_pk,
        "invoice-pay": invoice_pk,
        "payment": {**invoice_pk, "payment_pk": payment.pk},
        "payment-retry": {**invoice_pk, "payment_pk": payment.pk},
        "proposal": proposal_pk,
        "proposal-pdf": proposal_pk,
        "proposal-approve": proposal_pk,
        "proposal-decline": proposal_pk,
        "request": issue_pk,
        "request-comment": issue_pk,
        "request-photo": {**issue_pk, "photo_id": photo.pk},
        "payment-method-default": {"pk": method.pk},
        "payment-method-remove": {"pk": method.pk},
        "bank-account-verify": {"pk": bank_account.pk},
        "autopay-off": {"pk": enrollment.pk},
        "password-reset": {"token": reset},
        "invitation": {"token": invitation},
    }
    return Portal({f"portal:{name}": value for name, value in kwargs.items()})


def portal_patterns() -> list[tuple[str, URLPattern]]:
    return [
        (n, p) for n, p in named_patterns(get_resolver().url_patterns) if n.startswith("portal:")
    ]


# The pages each walk must have seen as HTML: a walk that silently saw less fails.
SIGNED_OUT_PAGES = {"sign-in", "forgot-password", "help", "password-reset", "invitation"}
CUSTOMER_PAGES = {
    "home",
    "invoices",
    "invoice",
    "invoice-pay",
    "invoices-pay-all",
    "payment",
    "proposals",
    "proposal",
    "requests",
    "request",
    "request-new",
    "profile",
    "payment-methods",
    "payment-method-add",
    "bank-account-add",
    "bank-account-verify",
    "autopay",
}


def test_every_portal_page_signed_out_carries_the_policy(client, portal):
    seen = walk(client, portal_patterns(), portal.kwargs)
    assert seen.problems == [], "\n".join(seen.problems)
    assert {f"portal:{name}" for name in SIGNED_OUT_PAGES} <= seen.pages


def test_every_portal_page_of_a_customer_carries_the_policy(client, alice, portal):
    assert sign_in(client, alice.contact.email).status_code == 302
    seen = walk(client, portal_patterns(), portal.kwargs)
    assert seen.problems == [], "\n".join(seen.problems)
    assert {f"portal:{name}" for name in CUSTOMER_PAGES} <= seen.pages


def test_the_proposal_page_loads_its_scripts_from_static_files(client, alice, portal):
    sign_in(client, alice.contact.email)
    page = client.get(reverse("portal:proposal", kwargs=portal.kwargs["portal:proposal"]))
    assert b'src="/static/portal/signature-pad.js"' in page.content
    assert problems_of("portal:proposal", page) == []


# The office --------------------------------------------------------------------------


@pytest.fixture
def office_client(client, staff):
    """Jane, a superuser, signed in to the office."""
    client.force_login(staff)
    return client


def office_kwargs(contact_pk: int) -> tuple[list[tuple[str, URLPattern]], dict]:
    """Every named office URL, and an object of its model for each parameter."""
    patterns = [
        (n, p)
        for n, p in named_patterns(get_resolver().url_patterns)
        if not n.startswith("portal:") and n not in NOT_WALKED
    ]
    kwargs: dict[str, dict[str, Any]] = {
        # One that does not exist: its 404 is a page like any other.
        "sandbox_processor:authenticate": {"authentication_id": "auth_unknown"},
        "webhooks:receive": {"gateway": "sandbox"},
        "admin:app_list": {"app_label": "customers"},
        "admin:view_on_site": {
            "content_type_id": ContentType.objects.get_for_model(ContactFactory._meta.model).pk,
            "object_id": contact_pk,
        },
    }
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        if label not in MAKERS:
            continue  # its object pages are reported: give it a maker in office/tests/objects.py
        obj = MAKERS[label]() if label != "customers.contact" else model.objects.get(pk=contact_pk)
        own = named_patterns(model_admin.get_urls(), "admin:")
        for name, pattern in own:
            # The object's own parameter is object_id, or id / pk in Django's
            # and django-otp's extra pages.
            for parameter in parameters(pattern) & OBJECT_PARAMETERS:
                kwargs.setdefault(name, {})[parameter] = obj.pk
    arguments = office_arguments()
    for name, pattern in office_patterns():
        kwargs[name] = {a: arguments[a] for a in parameters(pattern)}
    return patterns, kwargs


OBJECT_PARAMETERS = {"object_id", "id", "pk"}
# What the office walk does not open, and why.
NOT_WALKED = {
    # A download of exactly what was sent, never shown as a page.
    "office:email-attachment",
    # Would end the walk's session (POST only, but Django's admin answers GET).
    "admin:logout",
    "office:sign-out",
    # Django's language switch: a POST that redirects, never a page.
    "set_language",
}
# Office URLs that answer a GET with something else than a page.
NOT_PAGES = {
    "office:sign-in",  # Jane is signed in: on to her home
    "office:contacts-export",  # a CSV file
    "office:contact-choices",  # JSON for the property form's contact chooser
    "office:request-photo",  # the photo itself
    "office:email-attachment",  # a download
}
OFFICE_PAGES = {
    "office:home",
    "office:inbox-preferences",
    "office:password-change",
    # Every page of the office's own that shows a list or a record.
    *(
        name
        for name, pattern in office_patterns()
        if "GET" in getattr(pattern.callback, "office_methods", ()) and name not in NOT_PAGES
    ),
    # The raw data, as a superuser sees it.
    "admin:index",
    "admin:app_list",
    *(
        f"admin:{label.replace('.', '_')}_{page}"
        for label in MAKERS
        for page in ("changelist", "change", "history")
    ),
}


def test_every_office_page_carries_the_policy(office_client, alice):
    seen = walk(office_client, *office_kwargs(alice.contact.pk))
    assert seen.problems == [], "\n".join(seen.problems)
    assert OFFICE_PAGES - seen.pages == set()


def test_every_office_page_signed_out_carries_the_policy(client, alice):
    seen = walk(client, *office_kwargs(alice.contact.pk))
    assert seen.problems == [], "\n".join(seen.problems)
    assert "office:sign-in" in seen.pages


def test_the_office_two_factor_pages_carry_the_policy(client, staff, password_only, alice):
    """Jane has given her password and not yet set up her authenticator app."""
    client.force_login(staff)
    seen = walk(client, *office_kwargs(alice.contact.pk))
    assert seen.problems == [], "\n".join(seen.problems)
    assert "office-two-factor:set-up" in seen.pages


def test_the_portal_viewed_as_a_customer_carries_the_policy(office_client, alice, portal):
    view_as = reverse("office:contact-view-as", kwargs={"contact_id": alice.contact.pk})
    assert office_client.post(view_as).status_code == 302
    seen = walk(office_client, portal_patterns(), portal.kwargs)
    assert seen.problems == [], "\n".join(seen.problems)
    assert {"portal:home", "portal:invoice", "portal:proposal", "portal:request"} <= seen.pages


def test_only_card_entry_pages_allow_the_processor(client, alice, portal):
    sign_in(client, alice.contact.email)
    pay = client.get(reverse("portal:invoice-pay", kwargs=portal.kwargs["portal:invoice-pay"]))
    invoice = client.get(reverse("portal:invoice", kwargs=portal.kwargs["portal:invoice"]))
    assert PROCESSOR in policy_of(pay)["script-src"]
    assert policy_of(pay)["frame-src"] == ["'self'", PROCESSOR]
    assert PROCESSOR not in invoice.headers["Content-Security-Policy"]


def test_stripes_pay_page_allows_each_of_its_origins_only_where_stripe_needs_it(
    client, alice, portal, stripe_api
):
    sign_in(client, alice.contact.email)
    pay = client.get(reverse("portal:invoice-pay", kwargs=portal.kwargs["portal:invoice-pay"]))
    invoice = client.get(reverse("portal:invoice", kwargs=portal.kwargs["portal:invoice"]))

    assert pay.status_code == 200
    assert stripe_api.requests_to("POST", "/v1/setup_intents")  # the Payment Element's intent
    policy = policy_of(pay)
    assert {"https://js.stripe.com", "https://*.js.stripe.com"} <= set(policy["script-src"])
    assert "https://api.stripe.com" not in policy["script-src"]
    assert "https://hooks.stripe.com" not in policy["script-src"]
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert policy["frame-src"] == [
        "'self'",
        "https://js.stripe.com",
        "https://*.js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert "stripe.com" not in invoice.headers["Content-Security-Policy"]


def test_the_sandbox_allows_no_processor_anywhere(client, alice, portal, settings):
    settings.PAYMENT_GATEWAY = "trellis.billing.gateways.sandbox.SandboxGateway"
    sign_in(client, alice.contact.email)
    pay = client.get(reverse("portal:invoice-pay", kwargs=portal.kwargs["portal:invoice-pay"]))
    script_src = policy_of(pay)["script-src"]
    # Its field is served from Trellis's own origin: 'self' (and the page's nonce) cover it.
    assert script_src[0] == "'self'"
    assert all(source.startswith("'nonce-") for source in script_src[1:]), script_src
    assert "frame-src" not in policy_of(pay)


def test_a_pdf_has_no_policy_that_would_stop_the_browsers_viewer(client, alice, portal):
    sign_in(client, alice.contact.email)
    pdf = client.get(reverse("portal:invoice-pdf", kwargs=portal.kwargs["portal:invoice-pdf"]))
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in pdf.headers
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"


def test_an_svg_is_a_document_and_gets_the_policy():
    middleware = HtmlContentSecurityPolicyMiddleware(lambda r: HttpResponse())
    request = HttpRequest()
    middleware.process_request(request)
    svg = HttpResponse("<svg/>", content_type="image/svg+xml")
    assert policy_of(middleware.process_response(request, svg))["script-src"] == ["'self'"]


def test_a_nonce_used_by_a_page_is_in_its_policy():
    request = HttpRequest()
    middleware = HtmlContentSecurityPolicyMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    nonce = str(request.csp_nonce)  # type: ignore[attr-defined]
    response = middleware.process_response(
        request, HttpResponse(f'<script nonce="{nonce}">1</script>')
    )
    assert f"'nonce-{nonce}'" in policy_of(response)["script-src"]
    assert problems_of("a page", response) == [
        "no X-Content-Type-Options: nosniff",
        "Referrer-Policy is None",
    ]


# HTTPS, hosts, errors and cookies ----------------------------------------------------


def test_an_https_response_carries_hsts_for_a_year_with_subdomains(client):
    direct = client.get("/sign-in/", secure=True)
    through_the_proxy = client.get("/sign-in/", headers={"x-forwarded-proto": "https"})
    for response in (direct, through_the_proxy):
        assert (
            response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        )


def test_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/invoices/?page=2")
    assert response.status_code == 301
    assert response.url == "https://testserver/invoices/?page=2"


def test_static_files_and_redirects_carry_nosniff_and_the_referrer_policy(client):
    for url in ("/static/portal/portal.css", "/favicon.ico", "/invoices/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code in {200, 301, 302, 404}
        assert problems_of(url, response) == []


@pytest.mark.parametrize("secure", [False, True])
def test_a_request_for_another_host_is_refused(client, settings, secure):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/sign-in/", headers={"host": "evil.example"}, secure=secure)
    assert response.status_code == 400
    assert b"evil.example" not in response.content


def test_reset_and_invitation_links_use_the_configured_address_not_the_host_asked(
    office_client, settings, alice, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["testserver", "other.greenway.example"]
    invitee = ContactFactory()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/forgot-password/",
            {"email": alice.contact.email},
            headers={"host": "other.greenway.example"},
        )
        office_client.post(
            reverse("office:contact-invite", kwargs={"contact_id": invitee.pk}),
            headers={"host": "other.greenway.example"},
        )
    emails = OutgoingEmail.objects.filter(
        kind__in=[OutgoingEmail.Kind.PASSWORD_RESET, OutgoingEmail.Kind.INVITATION]
    )
    assert emails.count() == 2
    for email in emails:
        assert link_in(email).startswith(f"{settings.PUBLIC_BASE_URL}/")


def boom(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raise RuntimeError("SELECT secret_column FROM accounts_user")


# This module is also the URLconf of the 500 test: Trellis's URLs and error
# pages, and one view that fails.
urlpatterns = [path("boom/", boom), *trellis.urls.urlpatterns]
handler500 = trellis.urls.handler500


@pytest.mark.urls(__name__)
def test_a_failure_shows_a_plain_apology_without_traceback_or_sql(db):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    for leak in ("Traceback", "RuntimeError", "SELECT", "secret_column", "boom.py", "File "):
        assert leak not in page
    assert "Something went wrong" in page
    assert problems_of("500", response) == []


def test_the_session_and_csrf_cookies_are_secure_host_only_and_lax(client, alice):
    form = client.get("/sign-in/")
    signed_in = sign_in(client, alice.contact.email)
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    csrf = form.cookies[settings.CSRF_COOKIE_NAME]
    assert (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME) == (
        "__Host-sessionid",
        "__Host-csrftoken",
    )
    for cookie in (session, csrf):
        assert cookie["secure"] is True
        assert cookie["samesite"] == "Lax"
        # What __Host- requires, or the browser drops the cookie.
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
    assert session["httponly"] is True


def test_the_language_cookie_is_secure_and_lax_at_sign_in_and_when_changed(client, alice):
    signed_in = sign_in(client, alice.contact.email)
    changed = client.post(
        reverse("portal:profile-details"),
        {"first_name": "Alice", "last_name": "Arnold", "language": "es"},
    )
    for response in (signed_in, changed):
        language = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert language["secure"] is True
        assert language["httponly"] is True
        assert language["samesite"] == "Lax"
    assert changed.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
