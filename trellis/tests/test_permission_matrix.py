"""The office's permission matrix: every office URL, asked by each of six
people (signed out, a customer, staff with no permission, staff with every
permission but the ones the table names, staff with exactly those, a
superuser), gives the answer the table says, for GET and for POST.

The table is the office's permissions written down once. Its names are
checked against the URLconf: a URL added without an entry, or an entry left
for a URL that is gone, fails test_the_table_names_exactly_the_office_urls.
A cell that shows a bug is in KNOWN_BUGS, an xfail(strict=True) until it is fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from trellis.accounts.models import User
from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem
from trellis.inbox.services import inbox_item_add
from trellis.issues.models import Photo
from trellis.issues.tests.photos import png
from trellis.mail.models import OutgoingAttachment
from trellis.office.tests.objects import MAKERS, office_arguments
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    OfflinePaymentFactory,
    StaffFactory,
)
from trellis.tests.office_permissions import (
    contact,
    contacts,
    email,
    invoices,
    properties,
    proposals,
    requests,
    settings,
)
from trellis.tests.permission_entries import (
    EVERY_STAFF_PAGE,
    GET_NOT_ALLOWED,
    NOBODY,
    Answer,
    Entry,
    button,
    changes,
    every_staff_member,
    shows,
)
from trellis.tests.security_world import (
    office_patterns,
    portal_patterns,
    portal_url,
    portal_world,
)

SIGN_IN = "/office/login/"


def model_pages(label: str, *, read_only: bool = False, **instead: Entry) -> dict[str, Entry]:
    """The five pages Django's admin gives a model, needing its own
    view/add/change/delete permissions; a read-only model's records are
    seen and never added, changed or deleted, even by a superuser."""
    app_label, model = label.split(".")

    def perm(action: str) -> str:
        return f"{app_label}.{action}_{model}"

    view = shows(perm("view"))
    pages = {
        # An empty POST to the list runs no action: the list again.
        "changelist": Entry(view, changes(perm("view"))),
        "history": Entry(view, shows(perm("view"))),
        "add": Entry(shows(perm("add")), changes(perm("add"))),
        # An empty POST to delete is not the confirmation: the question again.
        "delete": Entry(shows(perm("delete")), changes(perm("delete"))),
        "change": Entry(view, changes(perm("change"))),
    }
    if read_only:
        pages |= {"add": Entry(NOBODY, NOBODY), "delete": Entry(NOBODY, NOBODY)}
        pages["change"] = Entry(view, NOBODY)
    pages |= instead
    return {f"admin:{app_label}_{model}_{page}": entry for page, entry in pages.items()}


CONTACT_VIEW = "customers.view_contact"
INVITE = "customers.invite_contact"
INVOICE = "billing.change_invoice"
PROPOSAL = "proposals.change_proposal"
ISSUE = "issues.change_issue"
# View as customer shows the contact's invoices, proposals and requests.
VIEW_AS = (CONTACT_VIEW, "billing.view_invoice", "proposals.view_proposal", "issues.view_issue")
PORTAL_HOME = "/"

# Every office URL, by name: what GET and POST need and answer.
TABLE: dict[str, Entry] = {
    # The sign-in page answers everyone (SIGNED_OUT_ANSWERS); staff signed in
    # are sent on to their home.
    "office:sign-in": Entry(every_staff_member(302), every_staff_member(200)),
    "admin:login": Entry(every_staff_member(302), every_staff_member(200)),
    # The second step: staff without an app set up are sent to set one up or home.
    "office-two-factor:verify": Entry(every_staff_member(302), every_staff_member(302)),
    "office-two-factor:set-up": EVERY_STAFF_PAGE,
    "office-two-factor:recovery-codes": Entry(
        every_staff_member(200, 302), every_staff_member(200, 302)
    ),
    # The inbox is every staff member's home; its list needs its own
    # permission (test_the_inbox_list_needs_the_inbox_permission).
    "office:home": EVERY_STAFF_PAGE,
    "admin:index": EVERY_STAFF_PAGE,  # the same URL, /office/
    "office:inbox-mark": button(
        "inbox.change_inboxitem", lands="/office/", posted=("item", "done")
    ),
    "office:inbox-preferences": Entry(
        shows("inbox.view_inboxitem"), changes("inbox.view_inboxitem")
    ),
    "admin:logout": Entry(GET_NOT_ALLOWED, every_staff_member(200)),
    "admin:password_change": EVERY_STAFF_PAGE,
    "admin:password_change_done": Entry(every_staff_member(200), every_staff_member(405)),
    "admin:jsi18n": Entry(every_staff_member(200), every_staff_member(405)),
    # Asked for a request's property: seeing properties is what it needs.
    "admin:autocomplete": Entry(shows("customers.view_property"), every_staff_member(405)),
    # No model of the office has a page on a site to send anyone to.
    "admin:view_on_site": Entry(every_staff_member(404), every_staff_member(404)),
    # An app's page exists for staff who may see any one of its models.
    "admin:app_list": Entry(
        Answer((CONTACT_VIEW,), frozenset({200}), 404, sole=False),
        Answer((CONTACT_VIEW,), frozenset({200}), 404, sole=False),
    ),
    **model_pages("accounts.user"),
    # Django's user pages: adding needs the change permission too.
    "admin:accounts_user_add": Entry(
        shows("accounts.add_user", "accounts.change_user"),
        changes("accounts.add_user", "accounts.change_user"),
    ),
    "admin:auth_user_password_change": Entry(
        shows("accounts.change_user"), changes("accounts.change_user")
    ),
    **model_pages("auth.group"),
    **model_pages("accounts.accessattempt", read_only=True),
    **model_pages("accounts.accesstoken", read_only=True),
    **model_pages("audit.auditentry", read_only=True),
    # One row of settings: the list leads to it; it is never added twice or deleted.
    **model_pages(
        "company.company",
        changelist=Entry(every_staff_member(302), every_staff_member(302)),
        add=Entry(NOBODY, NOBODY),
        delete=Entry(NOBODY, NOBODY),
    ),
    **model_pages("customers.contact"),
    "admin:customers_contact_search": Entry(
        shows(CONTACT_VIEW), changes(CONTACT_VIEW, INVITE, ok=(302,)), posted=("contact",)
    ),
    "admin:customers_contact_search_export": Entry(shows(CONTACT_VIEW), shows(CONTACT_VIEW)),
    "admin:customers_contact_invite": button(CONTACT_VIEW, INVITE),
    "admin:customers_contact_password_reset": button(CONTACT_VIEW, INVITE),
    # Typing a card for a contact: saving payment methods, on a contact staff may change.
    "admin:customers_contact_payment_method": Entry(
        shows("customers.change_contact", "billing.add_paymentmethod"),
        changes("customers.change_contact", "billing.add_paymentmethod", ok=(400,)),
    ),
    "admin:customers_contact_troubleshoot": Entry(shows(CONTACT_VIEW), shows(CONTACT_VIEW)),
    "admin:customers_contact_view_as": button(*VIEW_AS, lands=PORTAL_HOME),
    **model_pages("customers.property"),
    **model_pages("customers.propertycontact"),
    **model_pages("billing.invoice"),
    "admin:billing_invoice_issue": button(INVOICE),
    "admin:billing_invoice_void": button(INVOICE),
    # An empty form is its page again, with what is missing.
    "admin:billing_invoice_record_payment": button(INVOICE, ok=(200, 302)),
    "admin:billing_invoice_reverse_payment": button(INVOICE),
    # Printing answers the PDF, or says on the page why it cannot.
    "admin:billing_invoice_print": button(INVOICE, ok=(200, 302)),
    "admin:billing_invoice_email": button(INVOICE),
    **model_pages("proposals.proposal"),
    "admin:proposals_proposal_send": button(PROPOSAL),
    "admin:proposals_proposal_withdraw": button(PROPOSAL),
    "admin:proposals_proposal_reopen": button(PROPOSAL),
    "admin:proposals_proposal_record_decision": button(PROPOSAL, ok=(200, 302)),
    "admin:proposals_proposal_print": button(PROPOSAL, ok=(200, 302)),
    "admin:proposals_proposal_email": button(PROPOSAL),
    **model_pages("issues.issue"),
    "admin:issues_issue_start": button(ISSUE),
    "admin:issues_issue_close": button(ISSUE),
    "admin:issues_issue_reopen": button(ISSUE),
    "admin:issues_issue_include_client": button(ISSUE),
    # A customer's photo: seeing the request is enough.
    "admin:issues_issue_photo": Entry(shows("issues.view_issue"), shows("issues.view_issue")),
    **model_pages("issues.comment"),
    **model_pages("mail.outgoingemail", read_only=True),
    "admin:mail_outgoingemail_retry": button("mail.change_outgoingemail"),
    "admin:mail_outgoingemail_attachment": Entry(
        shows("mail.view_outgoingemail"), shows("mail.view_outgoingemail")
    ),
    **model_pages("mail.emailtemplate"),
    **model_pages("otp_totp.totpdevice"),
    # Keys are never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA), not even to a superuser.
    "admin:otp_totp_totpdevice_config": Entry(NOBODY, NOBODY),
    "admin:otp_totp_totpdevice_qrcode": Entry(NOBODY, NOBODY),
    **model_pages("otp_static.staticdevice"),
    # The office's own pages, area by area.
    **contacts.ENTRIES,
    **contact.ENTRIES,
    **properties.ENTRIES,
    **proposals.ENTRIES,
    **invoices.ENTRIES,
    **requests.ENTRIES,
    **email.ENTRIES,
    **settings.ENTRIES,
}

# What a signed-out visitor or a customer gets, GET and POST alike, from
# every office URL but these: a redirect to the office sign-in.
SIGNED_OUT_ANSWERS = {
    "office:sign-in": (200, ""),
    "admin:login": (200, ""),
    # Django's admin sends them to its home, which sends them to sign in.
    "admin:logout": (302, "/office/"),
}

ROLES = [
    "anonymous",
    "customer",
    "staff without permissions",
    "staff with every other permission",
    "staff with them",
    "superuser",
]

# Cells that show a bug: (name, role) -> why. Each is an xfail(strict=True).
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def office_url_names() -> set[str]:
    """Every named URL under /office/, read from the URLconf."""
    return {name for name, route in _named_routes(get_resolver().url_patterns) if _is_office(route)}


def _is_office(route: str) -> bool:
    return route.startswith("office/")


def _named_routes(patterns: list, namespace: str = "", prefix: str = "") -> Iterator[tuple]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_routes(pattern.url_patterns, inner, route)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", route


def test_the_table_names_exactly_the_office_urls():
    names = office_url_names()
    assert sorted(names - TABLE.keys()) == [], "office URLs with no entry in TABLE"
    assert sorted(TABLE.keys() - names) == [], "entries in TABLE for URLs that are gone"


# The world: one object of every model, made once for the module --------------------


@dataclass
class World:
    urls: dict[str, str]
    posted: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Every office URL with real objects for its arguments, made once: each
    test's own transaction is a savepoint inside this one, rolled back at the end."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        yield _world()
        transaction.set_rollback(True)


def _world() -> World:
    contact_type = ContentType.objects.get_for_model(Contact)
    objects = {}
    kwargs: dict[str, dict[str, object]] = {}
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        assert label in MAKERS, f"{label} has pages: give it a maker in office/tests/objects.py"
        obj = objects[label] = MAKERS[label]()
        for pattern in model_admin.get_urls():
            if pattern.name:
                arguments = _arguments(pattern) & {"object_id", "id", "pk", "email_id"}
                kwargs[f"admin:{pattern.name}"] = dict.fromkeys(arguments, obj.pk)
    issue, invoice, email = (
        objects[k] for k in ("issues.issue", "billing.invoice", "mail.outgoingemail")
    )
    photo = Photo(issue=issue, content_type="image/png", size=1, original_name="garden.png")
    photo.image.save("photo", png(), save=False)
    photo.save()
    kwargs["admin:issues_issue_photo"]["photo_id"] = photo.pk
    payment = OfflinePaymentFactory(invoice=invoice)
    kwargs["admin:billing_invoice_reverse_payment"]["payment_id"] = payment.pk
    attachment = OutgoingAttachment.objects.create(
        email=email, filename="a.txt", content_type="text/plain", content=b"hello"
    )
    kwargs["admin:mail_outgoingemail_attachment"]["attachment_id"] = attachment.pk
    contact = objects["customers.contact"]
    kwargs["admin:app_list"] = {"app_label": "customers"}
    kwargs["admin:view_on_site"] = {"content_type_id": contact_type.pk, "object_id": contact.pk}
    arguments = office_arguments()
    for pattern_name, pattern in office_patterns():
        kwargs[pattern_name] = {a: arguments[a] for a in _arguments(pattern)}
    urls = {name: reverse(name, kwargs=kwargs.get(name, {})) for name in office_url_names()}
    urls["admin:autocomplete"] += "?app_label=issues&model_name=issue&field_name=property&term="
    item = inbox_item_add(kind=InboxItem.Kind.REQUEST_OPENED, issue=issue, notify=False)
    return World(urls, posted={"item": str(item.pk), "done": "1", "contact": str(contact.pk)})


def _arguments(pattern: URLPattern) -> set[str]:
    route = pattern.pattern
    return set(getattr(route, "converters", {})) | set(route.regex.groupindex)


# The matrix ---------------------------------------------------------------------------


def staff_with(*codenames: str) -> User:
    member = StaffFactory()
    permissions = [Permission.objects.get_by_natural_key(*_natural_key(c)) for c in codenames]
    member.user_permissions.set(permissions)
    return member


def staff_with_every_permission_but(needs: tuple[str, ...]) -> User:
    # The admin lets a model's change permission see it too: without both.
    left_out = {*needs, *(n.replace(".view_", ".change_") for n in needs)}
    member = StaffFactory()
    member.user_permissions.set(
        p
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.codename}" not in left_out
    )
    return member


def _natural_key(permission: str) -> tuple[str, str, str]:
    app_label, codename = permission.split(".")
    model = codename.split("_", 1)[1]
    return codename, app_label, model


def staff_member(role: str, needs: tuple[str, ...]) -> User:
    if role == "superuser":
        return StaffFactory(is_superuser=True)
    if role == "staff with them":
        return staff_with(*needs)
    if role == "staff with every other permission":
        return staff_with_every_permission_but(needs)
    return StaffFactory()


def browser_of(user: User | None) -> Client:
    browser = Client()
    if user is not None:
        browser.force_login(user)  # with both factors where required (trellis/conftest.py)
    return browser


def ask(browser: Client, method: str, url: str, data: dict[str, str]) -> HttpResponse:
    response = browser.get(url) if method == "GET" else browser.post(url, data)
    if response.streaming:  # a photo: read to the end, the test client then closes its file
        b"".join(response.streaming_content)
    return response


def where(response: HttpResponse) -> str:
    return response.headers.get("Location", "")


def cases() -> list[object]:
    found = []
    for name in sorted(TABLE):
        for role in ROLES:
            bug = KNOWN_BUGS.get((name, role))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            found.append(pytest.param(name, role, id=f"{name}-{role}", marks=marks))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), cases())
def test_each_office_url_answers_each_role_as_the_table_says(world, name, role):
    entry, url = TABLE[name], world.urls[name]
    data = {key: world.posted[key] for key in entry.posted}
    if role in {"anonymous", "customer"}:
        signed_out_answers(role, name, url, data)
        return
    for method, answer in (("GET", entry.get), ("POST", entry.post)):
        staff_answers(role, method, answer, url, data)
    seeing, changing = set(entry.get.needs or ()), set(entry.post.needs or ())
    if role == "staff with them" and seeing and changing - seeing:
        # A page's permission to see is not its permission to change it.
        viewer = browser_of(staff_with(*seeing))
        assert ask(viewer, "POST", url, data).status_code == entry.post.refused


def signed_out_answers(role: str, name: str, url: str, data: dict[str, str]) -> None:
    browser = browser_of(CustomerAccountFactory() if role == "customer" else None)
    status, lands = SIGNED_OUT_ANSWERS.get(name, (302, SIGN_IN))
    for method in ("GET", "POST"):
        response = ask(browser, method, url, data)
        assert response.status_code == status, (method, where(response))
        if lands:  # the sign-in page, with the URL to come back to
            assert where(response).split("?")[0] == lands, method


def staff_answers(role: str, method: str, answer: Answer, url: str, data: dict[str, str]) -> None:
    needs = answer.needs or ()
    response = ask(browser_of(staff_member(role, needs)), method, url, data)
    refused = role == "staff without permissions" or (
        role == "staff with every other permission" and answer.sole
    )
    if refused and needs:
        assert response.status_code == answer.refused, (method, where(response))
        return
    assert gets_through(response, answer), (method, response.status_code, where(response))
    if role == "staff with them" and len(needs) > 1:
        # Each permission counts: without any one of them, not the answer.
        for lacking in needs:
            less = staff_with(*(n for n in needs if n != lacking))
            assert not gets_through(ask(browser_of(less), method, url, data), answer), lacking


def gets_through(response: HttpResponse, answer: Answer) -> bool:
    if response.status_code not in answer.ok:
        return False
    return not (answer.lands and response.status_code == 302) or where(response) == answer.lands


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codenames", "sees_the_list"), [((), False), (("inbox.view_inboxitem",), True)]
)
def test_the_inbox_list_needs_the_inbox_permission(world, codenames, sees_the_list):
    response = browser_of(staff_with(*codenames)).get(world.urls["office:home"])
    assert response.status_code == 200
    assert response.context["can_view"] is sees_the_list


# The portal pages a preview shows, each of one of the models VIEW_AS names.
PREVIEW_PAGES = {"home", "invoices", "invoice", "proposals", "proposal", "requests", "request"}


@pytest.mark.django_db
@pytest.mark.parametrize("taken_away", VIEW_AS)
def test_a_preview_shows_no_page_once_a_permission_of_what_it_shows_is_taken_away(
    world, taken_away
):
    contact = ContactFactory()
    shown = portal_world(contact)
    member = staff_with(*VIEW_AS)
    browser = browser_of(member)
    started = browser.post(reverse("admin:customers_contact_view_as", args=[contact.pk]))
    assert where(started) == PORTAL_HOME
    urls = [portal_url(p, shown) for p in portal_patterns() if p.name in PREVIEW_PAGES]
    assert [browser.get(url).status_code for url in urls] == [200] * len(PREVIEW_PAGES)

    member.user_permissions.remove(Permission.objects.get_by_natural_key(*_natural_key(taken_away)))

    answers = {url: browser.get(url) for url in urls}
    assert {
        url: (a.status_code, where(a).split("?")[0]) for url, a in answers.items()
    } == dict.fromkeys(urls, (302, "/sign-in/"))
