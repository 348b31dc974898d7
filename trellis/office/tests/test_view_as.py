"""View as customer, from the office's contact page: who may start it, what it
records, and that the customer's own account is never touched."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from trellis.accounts.middleware import SEEN_AT
from trellis.accounts.preview import SESSION_KEY
from trellis.audit.models import AuditEntry
from trellis.customers.models import Contact
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import ContactFactory, CustomerAccountFactory, StaffFactory
from trellis.testing.sign_in import sign_in

pytestmark = pytest.mark.django_db

BUTTON = "View as customer"
BANNER = "You are viewing the portal as Maria Lopez. Nothing can be paid, approved or changed."


def page_url(contact):
    return reverse("office:contact", kwargs={"contact_id": contact.pk})


def view_as_url(contact_or_id):
    contact_id = getattr(contact_or_id, "pk", contact_or_id)
    return reverse("office:contact-view-as", kwargs={"contact_id": contact_id})


def actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def staff_with(*codenames):
    user = StaffFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return user


@pytest.fixture
def maria(db):
    contact = ContactFactory(first_name="Maria", last_name="Lopez", email="maria@example.com")
    CustomerAccountFactory(contact=contact)
    invoices(property_of(contact, name="Casa Lopez"), 2)
    return contact


def test_the_contact_page_offers_view_as_customer(office, maria):
    page = office.get(page_url(maria)).text

    assert BUTTON in page
    assert "The portal exactly as Maria Lopez sees it" in page
    form = re.search(
        r'<form id="portal-view-as-form" method="post" action="([^"]+)">(.*?)</form>', page
    )
    assert form[1] == view_as_url(maria)
    assert 'name="csrfmiddlewaretoken"' in form[2]


def test_the_button_says_when_the_contact_has_no_account_yet(office, charlie):
    page = office.get(page_url(charlie)).text
    assert BUTTON in page
    assert "Charlie Chen has no portal account yet" in page


def test_starting_opens_the_portal_home_as_the_contact(office, staff, maria):
    response = office.post(view_as_url(maria))

    assert response.status_code == 302 and response.url == "/"
    assert office.session[SESSION_KEY] == maria.pk
    home = office.get("/")
    assert home.status_code == 200
    assert BANNER in home.text
    assert "Welcome, Maria" in home.text
    assert "Casa Lopez" in home.text


def test_starting_needs_the_csrf_token(staff, maria):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    assert browser.post(view_as_url(maria)).status_code == 403
    assert SESSION_KEY not in browser.session

    page = browser.get(page_url(maria)).text
    token = re.search(
        r'id="portal-view-as-form".*?name="csrfmiddlewaretoken" value="([^"]+)"', page
    )
    response = browser.post(view_as_url(maria), {"csrfmiddlewaretoken": token[1]})
    assert response.status_code == 302 and response.url == "/"


def test_staff_without_the_view_permission_are_refused(client, maria):
    client.force_login(staff_with("add_contact"))

    assert client.post(view_as_url(maria)).status_code == 403
    assert client.post(view_as_url(999999)).status_code == 403  # not a 404: nothing learnt
    assert SESSION_KEY not in client.session
    assert client.get("/").url == "/sign-in/?next=/"
    assert actions() == []


def staff_who_may_view(*labels):
    """Staff with these view permissions, e.g. "customers.contact"."""
    user = StaffFactory()
    for label in labels:
        app_label, model = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=f"view_{model}")
        )
    return user


EVERYTHING_A_PREVIEW_SHOWS = (
    "customers.contact",
    "billing.invoice",
    "proposals.proposal",
    "issues.issue",
)


def test_staff_who_may_view_everything_a_preview_shows_may_view_as_a_contact(client, maria):
    client.force_login(staff_who_may_view(*EVERYTHING_A_PREVIEW_SHOWS))
    page = client.get(page_url(maria)).text

    assert BUTTON in page
    assert client.post(view_as_url(maria)).url == "/"
    assert BANNER in client.get("/").text


def test_staff_who_may_only_view_contacts_are_refused_in_words_and_it_is_recorded(
    client, maria, caplog
):
    clerk = staff_who_may_view("customers.contact")
    client.force_login(clerk)

    page = client.get(page_url(maria)).text
    assert 'form="portal-view-as-form"' not in page
    refusal = (
        "You cannot view the portal as Maria Lopez: it shows invoices, proposals and "
        "requests, which your office permissions do not let you see."
    )
    assert refusal in page

    with caplog.at_level("INFO", logger="trellis.security"):
        response = client.post(view_as_url(maria), follow=True)

    assert response.redirect_chain == [(page_url(maria), 302)]
    assert refusal in response.text
    assert SESSION_KEY not in client.session
    assert client.get("/invoices/").url == "/sign-in/?next=/invoices/"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.data) == (
        "contact.view_as_refused",
        clerk,
        {"not_permitted": ["invoices", "proposals", "requests"]},
    )
    [denied] = [r.getMessage() for r in caplog.records if '"access.denied"' in r.getMessage()]
    assert '"view": "view_as"' in denied and f'"user_id": {clerk.pk}' in denied


@pytest.mark.parametrize("lacking", EVERYTHING_A_PREVIEW_SHOWS[1:])
def test_lacking_any_one_permission_a_preview_needs_refuses_it(client, maria, lacking):
    client.force_login(staff_who_may_view(*(p for p in EVERYTHING_A_PREVIEW_SHOWS if p != lacking)))

    client.post(view_as_url(maria))

    assert SESSION_KEY not in client.session


def test_a_preview_ends_when_a_permission_it_needs_is_taken_away(client, maria):
    staff = staff_who_may_view(*EVERYTHING_A_PREVIEW_SHOWS)
    client.force_login(staff)
    client.post(view_as_url(maria))
    assert BANNER in client.get("/").text

    staff.user_permissions.remove(Permission.objects.get(codename="view_invoice"))

    assert client.get("/invoices/").url == "/sign-in/?next=/invoices/"


def test_an_unknown_contact_answers_404(office):
    assert office.post(view_as_url(999999)).status_code == 404
    assert SESSION_KEY not in office.session


def test_a_customer_account_cannot_reach_the_view_as_url(client, alice, maria):
    assert sign_in(client, "alice@example.com").status_code == 302

    response = client.post(view_as_url(maria))

    assert response.status_code == 302
    assert response.url.startswith(reverse("office:sign-in"))
    assert SESSION_KEY not in client.session
    assert "Welcome, Alice" in client.get("/").text
    assert actions() == []


def test_start_pages_and_end_are_in_the_audit_log(office, staff, maria):
    office.post(view_as_url(maria))
    office.get("/")
    office.get("/invoices/?status=due")
    office.get("/invoices/999999/")
    office.post("/profile/details/", {"first_name": "Mara", "last_name": "Lopez"})
    office.post("/preview/exit/")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [
        "contact.view_as_started",
        "contact.view_as_page_viewed",
        "contact.view_as_page_viewed",
        "contact.view_as_page_viewed",
        "contact.view_as_page_viewed",
        "contact.view_as_ended",
    ]
    assert {(e.actor, e.target_type.model, e.target_id) for e in entries} == {
        (staff, "contact", str(maria.pk))
    }
    assert [e.data for e in entries[1:5]] == [
        {"path": "/", "method": "GET", "status": 200},
        {"path": "/invoices/?status=due", "method": "GET", "status": 200},
        {"path": "/invoices/999999/", "method": "GET", "status": 404},
        {"path": "/profile/details/", "method": "POST", "status": 403},
    ]


def test_exit_preview_returns_to_the_contacts_page(office, maria):
    office.post(view_as_url(maria))

    response = office.post("/preview/exit/", follow=True)

    assert response.redirect_chain == [
        (reverse("office:contact", kwargs={"contact_id": maria.pk}), 302)
    ]
    assert "You have left the preview of Maria Lopez&#x27;s portal." in response.text
    assert SESSION_KEY not in office.session
    assert office.get("/").url == "/sign-in/?next=/"


def test_signing_out_of_the_office_ends_the_preview_in_the_audit_log(office, maria):
    office.post(view_as_url(maria))

    office.post(reverse("office:sign-out"))

    assert list(AuditEntry.objects.order_by("id").values_list("action", "target_id")) == [
        ("contact.view_as_started", str(maria.pk)),
        ("contact.view_as_ended", str(maria.pk)),
    ]
    assert office.get("/").url == "/sign-in/?next=/"


def test_a_session_timing_out_ends_the_preview_in_the_audit_log(office, maria, settings):
    office.post(view_as_url(maria))
    session = office.session
    session[SEEN_AT] -= settings.SESSION_IDLE_MINUTES * 60 + 1
    session.save()

    assert office.get("/").url == "/sign-in/?next=/"

    assert AuditEntry.objects.filter(
        action="contact.view_as_ended", target_id=str(maria.pk)
    ).exists()


def test_starting_another_preview_ends_the_first(office, maria, charlie):
    office.post(view_as_url(maria))
    office.post(view_as_url(charlie))

    assert office.session[SESSION_KEY] == charlie.pk
    assert list(AuditEntry.objects.order_by("id").values_list("action", "target_id")) == [
        ("contact.view_as_started", str(maria.pk)),
        ("contact.view_as_ended", str(maria.pk)),
        ("contact.view_as_started", str(charlie.pk)),
    ]


def test_the_office_stays_in_english_while_previewing_a_spanish_contact(office, maria):
    Contact.objects.filter(pk=maria.pk).update(language="es")
    office.post(view_as_url(maria))

    assert "Bienvenido/a, Maria" in office.get("/").text
    page = office.get(page_url(maria)).text
    assert "Edit details" in page and "Troubleshoot portal access" in page
    assert BUTTON in page


def test_previewing_leaves_the_customers_account_sessions_and_contact_alone(office, maria):
    customer = Client()
    assert sign_in(customer, "maria@example.com").status_code == 302
    account = maria.portal_account
    account.refresh_from_db()
    before = (
        model_to_dict(Contact.objects.get(pk=maria.pk)),
        model_to_dict(account),
        list(Session.objects.exclude(session_key=office.session.session_key).values()),
    )

    office.post(view_as_url(maria))
    for url in ["/", "/invoices/", "/profile/", "/sign-in/"]:
        office.get(url)
    office.post("/profile/password/", {"password-current_password": "x"})
    office.post("/sign-out/")
    office.post("/preview/exit/")

    account.refresh_from_db()
    after = (
        model_to_dict(Contact.objects.get(pk=maria.pk)),
        model_to_dict(account),
        list(Session.objects.exclude(session_key=office.session.session_key).values()),
    )
    assert after == before
    assert customer.get("/").status_code == 200  # still signed in, as herself
    assert BANNER not in customer.get("/").text
