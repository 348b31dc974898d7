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
from trellis.office.tests.objects import MAKERS, office_arguments
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    StaffFactory,
)
from trellis.tests.office_permissions import (
    bulk_charges,
    contact,
    contacts,
    email,
    invoices,
    properties,
    proposals,
    requests,
    settings,
    staff_passwords,
)
from trellis.tests.permission_entries import (
    EVERY_STAFF_PAGE,
    GET_NOT_ALLOWED,
    Answer,
    Entry,
    button,
    changes,
    every_staff_member,
    raw_data_pages,
    shows,
    superusers,
)
from trellis.tests.security_world import (
    office_patterns,
    portal_patterns,
    portal_url,
    portal_world,
)

SIGN_IN = "/office/login/"


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
    # The second step: staff without an app set up are sent to set one up or home.
    "office-two-factor:verify": Entry(every_staff_member(302), every_staff_member(302)),
    "office-two-factor:set-up": EVERY_STAFF_PAGE,
    "office-two-factor:recovery-codes": Entry(
        every_staff_member(200, 302), every_staff_member(200, 302)
    ),
    # The inbox is every staff member's home; its list needs its own
    # permission (test_the_inbox_list_needs_the_inbox_permission).
    "office:home": EVERY_STAFF_PAGE,
    "office:inbox-mark": button(
        "inbox.change_inboxitem", lands="/office/", posted=("item", "done")
    ),
    "office:inbox-preferences": Entry(
        shows("inbox.view_inboxitem"), changes("inbox.view_inboxitem")
    ),
    # A staff member's own account: sign out (a button), and their password
    # (an empty form is the page again, with what is missing).
    "office:sign-out": Entry(GET_NOT_ALLOWED, every_staff_member(302)),
    "office:password-change": Entry(every_staff_member(200), every_staff_member(200, 400)),
    # Django's admin, under /admin/: the superuser's raw data, for reading
    # (trellis/office/admin_site.py). Its sign-in and password pages are the
    # office's; a lost phone's device is the one thing deleted there.
    "admin:index": Entry(superusers(200), superusers(200)),
    "admin:app_list": Entry(superusers(200), superusers(200)),
    # Its sign-in sends everyone to the office's.
    "admin:login": Entry(every_staff_member(302), every_staff_member(302)),
    "admin:logout": Entry(superusers(405), superusers(200)),
    "admin:password_change": Entry(superusers(302), superusers(302)),
    "admin:password_change_done": Entry(superusers(200), superusers(405)),
    "admin:jsi18n": Entry(superusers(200), superusers(405)),
    "admin:autocomplete": Entry(superusers(200), superusers(405)),
    # No model of the office has a page on a site to send anyone to.
    "admin:view_on_site": Entry(superusers(404), superusers(404)),
    **raw_data_pages("accounts.user"),
    **raw_data_pages("auth.group"),
    **raw_data_pages("accounts.accessattempt"),
    **raw_data_pages("accounts.accesstoken"),
    **raw_data_pages("audit.auditentry"),
    **raw_data_pages("company.company"),
    **raw_data_pages("customers.contact"),
    **raw_data_pages("customers.property"),
    **raw_data_pages("customers.propertycontact"),
    **raw_data_pages("billing.invoice"),
    **raw_data_pages("proposals.proposal"),
    **raw_data_pages("issues.issue"),
    **raw_data_pages("issues.comment"),
    **raw_data_pages("mail.outgoingemail"),
    **raw_data_pages("mail.emailtemplate"),
    **raw_data_pages("otp_totp.totpdevice", deletable=True),
    **raw_data_pages("otp_static.staticdevice", deletable=True),
    # Keys are never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA), not even to a superuser.
    "admin:otp_totp_totpdevice_config": Entry(superusers(403), superusers(403)),
    "admin:otp_totp_totpdevice_qrcode": Entry(superusers(403), superusers(403)),
    # The office's own pages, area by area.
    **contacts.ENTRIES,
    **contact.ENTRIES,
    **properties.ENTRIES,
    **proposals.ENTRIES,
    **invoices.ENTRIES,
    **bulk_charges.ENTRIES,
    **requests.ENTRIES,
    **email.ENTRIES,
    **settings.ENTRIES,
    **staff_passwords.ENTRIES,
}

# What a signed-out visitor or a customer gets, GET and POST alike, from
# every office URL but these: a redirect to the office sign-in.
SIGNED_OUT_ANSWERS = {
    "office:sign-in": (200, ""),
    # For someone who cannot sign in (trellis/office/views/staff_password.py).
    "office:password-forgot": (200, ""),
    "office:password-set": (200, ""),
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
    return route.startswith(("office/", "admin/"))


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
                arguments = _arguments(pattern) & {"object_id", "id", "pk"}
                kwargs[f"admin:{pattern.name}"] = dict.fromkeys(arguments, obj.pk)
    contact = objects["customers.contact"]
    kwargs["admin:app_list"] = {"app_label": "customers"}
    kwargs["admin:view_on_site"] = {"content_type_id": contact_type.pk, "object_id": contact.pk}
    arguments = office_arguments()
    for pattern_name, pattern in office_patterns():
        kwargs[pattern_name] = {a: arguments[a] for a in _arguments(pattern)}
    urls = {name: reverse(name, kwargs=kwargs.get(name, {})) for name in office_url_names()}
    urls["admin:autocomplete"] += "?app_label=issues&model_name=issue&field_name=property&term="
    item = inbox_item_add(
        kind=InboxItem.Kind.REQUEST_OPENED, issue=objects["issues.issue"], notify=False
    )
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
    # A model's own permission ("charge_in_bulk") does not name its model.
    found = Permission.objects.select_related("content_type").get(
        content_type__app_label=app_label, codename=codename
    )
    return codename, app_label, found.content_type.model


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
    if answer.superusers_only and role != "superuser":
        assert response.status_code == 403, (method, where(response))
        return
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
    started = browser.post(reverse("office:contact-view-as", kwargs={"contact_id": contact.pk}))
    assert where(started) == PORTAL_HOME
    urls = [portal_url(p, shown) for p in portal_patterns() if p.name in PREVIEW_PAGES]
    assert [browser.get(url).status_code for url in urls] == [200] * len(PREVIEW_PAGES)

    member.user_permissions.remove(Permission.objects.get_by_natural_key(*_natural_key(taken_away)))

    answers = {url: browser.get(url) for url in urls}
    assert {
        url: (a.status_code, where(a).split("?")[0]) for url, a in answers.items()
    } == dict.fromkeys(urls, (302, "/sign-in/"))
