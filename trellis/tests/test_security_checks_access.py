"""Security checks 28-31 (access control), each over every URL it is about.
View as customer's own permission rule (part of check 30) is shown in
trellis/office/tests/test_view_as.py."""

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from trellis.accounts.models import User
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.customers.models import Contact, PropertyContact
from trellis.issues.models import Comment
from trellis.proposals.models import Proposal
from trellis.testing.factories import (
    DEFAULT_PASSWORD,
    ContactFactory,
    CustomerAccountFactory,
    StaffFactory,
)
from trellis.tests.security_world import (
    office_urls,
    portal_object_patterns,
    portal_url,
    portal_world,
)

pytestmark = pytest.mark.django_db

OFFICE_SITE_PAGES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "jsi18n",
    "app_list",
    "view_on_site",
    "autocomplete",
    "office:home",  # every staff member's home; the inbox on it takes its own permission
    "office:sign-in",  # staff signed in are sent on to their home
    "office:sign-out",  # every staff member's own; would end the walk's session
    "office:password-change",  # every staff member's own password
    # For someone who cannot sign in: open to everyone.
    "office:password-forgot",
    "office:password-set",
}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def bob(db):
    """Bob: another company customer, with a property and documents of his own."""
    return CustomerAccountFactory(
        contact=ContactFactory(first_name="Bob", last_name="Brown", email="bob@example.com")
    )


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


def answer(method, url, data=None):
    response = method(url, data or {})
    if response.streaming:  # a photo: read to the end, the test client then closes its file
        b"".join(response.streaming_content)
    return response


def refused(browser, method, url):
    """The status a staff member without the permission gets, through one redirect
    (the company settings' list only leads to its one page)."""
    response = answer(method, url)
    if response.status_code == 302:
        response = answer(browser.get, response["Location"])
    return response.status_code


def what_can_change():
    return (
        list(Payment.objects.order_by("pk").values_list("pk", "status", "amount")),
        list(PaymentMethod.objects.order_by("pk").values_list("pk", "is_default", "contact")),
        list(Proposal.objects.order_by("pk").values_list("pk", "status", "decided_at")),
        list(Invoice.objects.order_by("pk").values_list("pk", "status", "amount_paid")),
        Comment.objects.count(),
    )


def test_check_28_every_portal_url_with_an_object_id_answers_404_to_another_customer(alice, bob):
    alices = portal_world(alice.contact)
    bobs = portal_world(bob.contact)
    browser = signed_in(bob)
    before = what_can_change()
    posted = {
        "method": bobs.method.pk,
        "amount": "1.00",
        "idempotency_key": uuid.uuid4().hex,
        "confirm": "1",
        "body": "Mine now",
        "reason": "Not mine",
        "signed_name": "Bob Brown",
    }
    patterns = portal_object_patterns()
    assert {p.name for p in patterns} >= {"invoice", "proposal", "request", "payment"}

    for pattern in patterns:
        url, missing = portal_url(pattern, alices), portal_url(pattern, None)
        got, posted_to = answer(browser.get, url), answer(browser.post, url, posted)
        # Alice's object and one that exists nowhere get the same answer: a 404
        # (or 405 where the URL takes only the other method).
        assert got.status_code == answer(browser.get, missing).status_code, url
        assert posted_to.status_code == answer(browser.post, missing, posted).status_code, url
        assert {got.status_code, posted_to.status_code} <= {404, 405}, url
        assert 404 in {got.status_code, posted_to.status_code}, url
        if got.status_code == 404:  # the same page of Bob's own object opens
            own = answer(browser.get, portal_url(pattern, bobs))
            assert own.status_code != 404, pattern.name

    assert what_can_change() == before


def test_check_29_unlinking_a_contact_from_a_property_revokes_its_lists_and_pages_at_once(
    alice,
):
    world = portal_world(alice.contact)
    browser = signed_in(alice)
    pages = {
        "/invoices/": world.invoice.number,
        "/proposals/": world.proposal.number,
        "/requests/": world.issue.subject,
    }
    details = [
        f"/invoices/{world.invoice.pk}/",
        f"/proposals/{world.proposal.pk}/",
        f"/requests/{world.issue.pk}/",
    ]
    for url, shown in pages.items():
        assert shown in browser.get(url).content.decode(), url
    assert all(browser.get(url).status_code == 200 for url in details)

    PropertyContact.objects.filter(contact=alice.contact).delete()

    for url, shown in pages.items():
        response = browser.get(url)
        assert response.status_code == 200
        assert shown not in response.content.decode(), url
    assert [browser.get(url).status_code for url in details] == [404, 404, 404]


@pytest.mark.parametrize("role", [PropertyContact.Role.OTHER, None])
def test_check_29_lists_show_nothing_of_a_property_the_contact_is_not_primary_or_billing_of(
    alice, bob, role
):
    bobs = portal_world(bob.contact)
    if role:
        PropertyContact.objects.create(
            property=bobs.invoice.property, contact=alice.contact, role=role
        )
    browser = signed_in(alice)

    for url, shown in [
        ("/invoices/", bobs.invoice.number),
        ("/proposals/", bobs.proposal.number),
        ("/requests/", bobs.issue.subject),
        ("/", bobs.invoice.number),
    ]:
        assert shown not in browser.get(url).content.decode(), url


def test_check_30_a_customer_is_sent_to_the_office_sign_in_from_every_office_url(alice):
    browser = signed_in(alice)
    let_in = {}
    for name, url in office_urls():
        # The sign-in pages themselves and those for someone who cannot sign
        # in (open to everyone); signing out ends her session.
        if name in {
            "login",
            "logout",
            "office:sign-in",
            "office:password-forgot",
            "office:password-set",
        }:
            continue
        for method in (browser.get, browser.post):
            response = answer(method, url)
            if response.status_code != 302 or "/office/login/" not in response["Location"]:
                let_in[(name, method.__name__)] = response.status_code
    assert let_in == {}
    # The raw data (Django's admin) sends her to sign in like every office page.
    raw_data = browser.get("/admin/")
    assert raw_data.status_code == 302 and raw_data["Location"].startswith("/office/login/")


def test_check_30_staff_with_no_permission_are_refused_every_office_page_of_every_model():
    clerk = StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")
    browser = signed_in(clerk)
    urls = office_urls()
    before = (Contact.objects.count(), User.objects.count(), what_can_change())
    served = {}
    for name, url in urls:
        if name in OFFICE_SITE_PAGES:
            continue
        for method in (browser.get, browser.post):
            status = refused(browser, method, url)
            if status not in (403, 405):
                served[(name, method.__name__)] = status
    assert served == {}
    assert (Contact.objects.count(), User.objects.count(), what_can_change()) == before


def test_check_30_staff_who_may_only_view_contacts_are_refused_everything_else():
    clerk = StaffFactory(email="sam@greenway.example", first_name="Sam", last_name="Reyes")
    clerk.user_permissions.set(Permission.objects.filter(codename="view_contact"))
    browser = signed_in(clerk)
    # What seeing contacts opens: the list, its CSV, a contact's page and
    # troubleshooter, and the property form's contact chooser; View as customer
    # has its own rule (test_view_as.py). The raw data is for superusers alone.
    contacts_pages = {"office:contacts", "office:contacts-export", "office:contact"}
    contacts_pages |= {"office:contact-troubleshoot", "office:contact-choices"}
    contacts_pages |= {"office:contact-view-as"}
    served = {}
    for name, url in office_urls():
        if name in OFFICE_SITE_PAGES or name in contacts_pages:
            continue
        for method in (browser.get, browser.post):
            status = refused(browser, method, url)
            if status not in (403, 405):
                served[(name, method.__name__)] = status
    assert served == {}


def test_check_31_extra_fields_posted_to_the_profile_change_nothing_but_the_names(alice, bob):
    browser = signed_in(alice)
    contact_before = Contact.objects.filter(pk=alice.contact.pk).values().get()
    extra = {
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "off",
        "email": "bob@example.com",
        "contact": bob.contact.pk,
        "contact_id": bob.contact.pk,
        "customer": bob.contact.pk,
        "amount": "0.01",
        "external_id": "C-HACKED",
        "password": "a password chosen here",
    }

    response = browser.post(
        "/profile/details/",
        {"first_name": "Alicia", "last_name": "Arnold", "language": "en", **extra},
    )
    browser.post(
        "/profile/email/",
        {
            "email-new_email": "alice@example.com",
            "email-current_password": DEFAULT_PASSWORD,
            **extra,
        },
    )

    assert response.status_code == 302
    account = User.objects.get(pk=alice.pk)
    assert (account.is_staff, account.is_superuser, account.is_active) == (False, False, True)
    assert account.contact_id == alice.contact.pk
    assert account.check_password(DEFAULT_PASSWORD)
    contact_after = Contact.objects.filter(pk=alice.contact.pk).values().get()
    changed = {k for k in contact_after if contact_after[k] != contact_before[k]}
    assert changed <= {"first_name", "updated_at"}
    assert contact_after["first_name"] == "Alicia"
    assert Contact.objects.get(pk=bob.contact.pk).email == "bob@example.com"
