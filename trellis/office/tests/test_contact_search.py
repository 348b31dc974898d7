import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.customers.models import PropertyContact
from trellis.office import contact_search
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    PropertyContactFactory,
    PropertyFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("admin:customers_contact_search")
EXPORT = reverse("admin:customers_contact_search_export")
Role = PropertyContact.Role


def found(response):
    return [row["contact"].first_name for row in response.context["rows"]]


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def exported(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def clerk(db):
    """Sam: staff who may read contacts, but not invite them."""
    sam = StaffFactory(email="sam@greenway.example")
    sam.user_permissions.set(
        Permission.objects.filter(content_type__app_label="customers", codename="view_contact")
    )
    return sam


@pytest.mark.parametrize("url", [SEARCH, EXPORT])
def test_anonymous_visitors_are_sent_to_the_office_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("url", [SEARCH, EXPORT])
def test_a_customer_is_sent_to_the_office_login(client, alice, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("url", [SEARCH, EXPORT])
def test_staff_who_may_not_see_contacts_are_refused(client, url):
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 403


def test_the_contact_list_links_to_the_advanced_search(office):
    assert f'href="{SEARCH}"' in office.get(reverse("admin:customers_contact_changelist")).text


def test_with_no_filters_every_contact_is_listed_with_the_default_columns(office, alice, charlie):
    response = office.get(SEARCH)

    assert found(response) == ["Alice", "Charlie"]
    assert [c.label for c in response.context["columns"]] == [
        "Name",
        "Email",
        "Customer Portal Verified",
        "Last invited",
        "Last sign-in",
    ]


def test_every_input_of_the_search_form_has_a_label(office, charlie):
    text = office.get(SEARCH).text
    for name in ["name", "email", "property", "role", "verified", "invited"]:
        assert f'<label for="id_{name}"' in text
    for index in range(len(contact_search.COLUMNS)):
        assert f'<label for="id_columns_{index}"' in text
    assert f'<label for="choose-contact-{charlie.pk}"' in text


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mar", ["Maria", "Mark"]), ("LOPEZ", ["Maria"]), ("mar lop", ["Maria"]), ("zed", [])],
)
def test_the_name_filter_finds_part_of_the_first_or_last_name(office, name, expected):
    ContactFactory(first_name="Maria", last_name="Lopez")
    ContactFactory(first_name="Mark", last_name="Twain")
    ContactFactory(first_name="Bob", last_name="Smith")

    assert found(office.get(SEARCH, {"name": name})) == expected


def test_the_email_filter_finds_part_of_the_email_in_any_case(office, alice, charlie):
    assert found(office.get(SEARCH, {"email": "CHARLIE@"})) == ["Charlie"]


def test_the_property_filter_finds_contacts_by_property_name_or_external_id(office, alice, charlie):
    oak = PropertyFactory(name="Oak Lodge", external_id="P-OAK")
    PropertyContactFactory(property=oak, contact=charlie, role=Role.OTHER)
    PropertyContactFactory(property__name="Elm House", contact=alice.contact)

    assert found(office.get(SEARCH, {"property": "oak"})) == ["Charlie"]
    assert found(office.get(SEARCH, {"property": "p-oak"})) == ["Charlie"]
    assert found(office.get(SEARCH, {"property": "house"})) == ["Alice"]


def test_the_role_filter_finds_contacts_holding_that_role(office, alice, charlie):
    PropertyContactFactory(contact=alice.contact, role=Role.BILLING)
    PropertyContactFactory(contact=charlie, role=Role.PRIMARY)

    assert found(office.get(SEARCH, {"role": "billing"})) == ["Alice"]
    assert found(office.get(SEARCH, {"role": "primary"})) == ["Charlie"]
    assert found(office.get(SEARCH, {"role": "other"})) == []


def test_with_a_property_the_role_is_the_one_held_on_that_property(office, charlie):
    PropertyContactFactory(property__name="Oak Lodge", contact=charlie, role=Role.OTHER)
    PropertyContactFactory(property__name="Elm House", contact=charlie, role=Role.BILLING)

    assert found(office.get(SEARCH, {"property": "oak", "role": "billing"})) == []
    assert found(office.get(SEARCH, {"property": "elm", "role": "billing"})) == ["Charlie"]


def test_the_verified_filter_separates_contacts_with_an_account(office, alice, charlie):
    assert found(office.get(SEARCH, {"verified": "yes"})) == ["Alice"]
    assert found(office.get(SEARCH, {"verified": "no"})) == ["Charlie"]


def test_invited_not_accepted_means_no_account_yet_and_at_least_one_invitation(
    office, staff, alice, charlie
):
    dana = ContactFactory(first_name="Dana", last_name="Diaz")
    expired = contact_invite(contact=dana, invited_by=staff)
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    contact_invite(contact=charlie, invited_by=staff)
    ContactFactory(first_name="Ernie")  # never invited
    # Alice accepted hers: she is verified, so no longer "invited, not accepted".
    AccessToken.objects.create(
        contact=alice.contact,
        purpose=AccessToken.Purpose.INVITATION,
        token_hash="a" * 64,
        sent_to=alice.contact.email,
        expires_at=timezone.now(),
        used_at=timezone.now(),
    )

    assert found(office.get(SEARCH, {"invited": "on"})) == ["Charlie", "Dana"]


def test_a_filter_with_a_wrong_value_shows_its_error_and_no_results(office, charlie):
    response = office.get(SEARCH, {"role": "owner"})

    assert found(response) == []
    assert "Select a valid choice." in response.text


def test_the_chosen_columns_appear_in_the_chosen_order_of_the_list(office, staff, alice, charlie):
    PropertyContactFactory(property__name="Oak Lodge", contact=charlie, role=Role.BILLING)
    PropertyContactFactory(property__name="Elm House", contact=charlie, role=Role.OTHER)
    charlie.phone, charlie.company_name = "555-0101", "Chen Farms"
    charlie.save()
    contact_invite(contact=charlie, invited_by=staff)
    alice.date_joined = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    alice.last_login = dt.datetime(2026, 4, 1, 8, 15, tzinfo=dt.UTC)
    alice.save()
    every_column = [column.key for column in contact_search.COLUMNS]

    response = office.get(SEARCH, {"columns": every_column})

    assert [c.key for c in response.context["columns"]] == every_column
    alice_row, charlie_row = (dict(row["cells"]) for row in response.context["rows"])
    assert alice_row == {
        "name": "Alice Arnold",
        "email": "alice@example.com",
        "phone": "-",
        "company": "-",
        "properties": "-",
        "verified": "Yes",
        "verified_since": "March 2, 2026, 9:30 AM",
        "last_invited": "-",
        "last_sign_in": "April 1, 2026, 8:15 AM",
        "invitation_state": "Not invited",
    }
    assert charlie_row["properties"] == "Elm House (Other); Oak Lodge (Billing)"
    assert charlie_row["phone"] == "555-0101"
    assert charlie_row["company"] == "Chen Farms"
    assert charlie_row["verified"] == "No"
    assert charlie_row["last_invited"] != "-"
    assert charlie_row["invitation_state"] == "Pending"
    for column in contact_search.COLUMNS:
        assert f'<th scope="col">{column.label}</th>' in response.text


def test_only_the_chosen_columns_are_shown(office, charlie):
    response = office.get(SEARCH, {"columns": ["email", "last_sign_in"]})

    assert [dict(row["cells"]) for row in response.context["rows"]] == [
        {"email": "charlie@example.com", "last_sign_in": "-"}
    ]
    assert '<th scope="col">Customer Portal Verified</th>' not in response.text


def test_the_invitation_state_column_shows_the_newest_invitations_state(office, staff):
    states = {}
    for name, change in [
        ("Pending", {}),
        ("Expired", {"expires_at": timezone.now()}),
        ("Revoked", {"revoked_at": timezone.now()}),
        ("Used", {"used_at": timezone.now()}),
    ]:
        contact = ContactFactory(first_name=name)
        AccessToken.objects.filter(pk=contact_invite(contact=contact, invited_by=staff).pk).update(
            **change
        )
        states[name] = name

    response = office.get(SEARCH, {"columns": ["name", "invitation_state"]})

    shown = {row["contact"].first_name: dict(row["cells"]) for row in response.context["rows"]}
    assert {name: cells["invitation_state"] for name, cells in shown.items()} == states


def make_contacts(count, staff):
    for n in range(count):
        contact = ContactFactory()
        if n % 2:
            CustomerAccountFactory(contact=contact)
        else:
            contact_invite(contact=contact, invited_by=staff)
        PropertyContactFactory(contact=contact, role=Role.BILLING if n % 3 else Role.PRIMARY)


EVERY_COLUMN = {"columns": [column.key for column in contact_search.COLUMNS]}


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(SEARCH, EVERY_COLUMN).status_code == 200
    return len(queries)


def test_the_search_runs_as_many_queries_for_40_contacts_as_for_5(office, staff):
    make_contacts(5, staff)
    with_five = count_queries(office)
    make_contacts(35, staff)
    assert count_queries(office) == with_five


@pytest.mark.parametrize("contacts", [5, 40])
def test_the_search_runs_a_handful_of_queries(
    office, staff, contacts, django_assert_max_num_queries
):
    make_contacts(contacts, staff)
    # Session, user, the two-factor device that verified the session, the
    # count, the page of contacts, their roles, their newest invitations, and
    # the company check of the sidebar's "add" links.
    with django_assert_max_num_queries(8):
        assert office.get(SEARCH, EVERY_COLUMN).status_code == 200


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(contact_search, "PAGE_SIZE", 2)


def test_results_are_paginated_and_the_page_links_keep_the_search(office, small_pages):
    for name in ["Ann", "Ben", "Cy", "Dot", "Eve"]:
        ContactFactory(first_name=name, last_name="Green")
    ContactFactory(first_name="Zed", last_name="Brown")
    search = {"name": "green", "columns": ["name", "email"]}

    first = office.get(SEARCH, search)
    second = office.get(SEARCH, {**search, "page": "2"})
    last = office.get(SEARCH, {**search, "page": "99"})

    assert found(first) == ["Ann", "Ben"]
    assert found(second) == ["Cy", "Dot"]
    assert found(last) == ["Eve"]
    assert first.context["page"].paginator.count == 5
    assert first.context["next_url"] == "?name=green&columns=name&columns=email&page=2"
    assert 'rel="next"' in first.text
    assert 'rel="prev"' in second.text


def test_the_csv_export_has_the_chosen_columns_and_every_result(office, alice, small_pages):
    for name in ["Ann", "Ben", "Cy"]:
        ContactFactory(first_name=name, last_name="Green", email=f"{name.lower()}@example.com")
    alice.date_joined = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    alice.save()

    response = office.get(
        EXPORT, {"columns": ["name", "email", "verified", "verified_since"], "page": "2"}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    assert exported(response) == [
        ["Name", "Email", "Customer Portal Verified", "Verified since"],
        ["Alice Arnold", "alice@example.com", "Yes", "2026-03-02 09:30"],
        ["Ann Green", "ann@example.com", "No", ""],
        ["Ben Green", "ben@example.com", "No", ""],
        ["Cy Green", "cy@example.com", "No", ""],
    ]


def test_the_csv_export_applies_the_filters(office, alice, charlie):
    response = office.get(EXPORT, {"verified": "no", "columns": ["email"]})
    assert exported(response) == [["Email"], ["charlie@example.com"]]


def test_the_search_page_links_to_the_export_of_the_same_search(office, charlie):
    response = office.get(SEARCH, {"verified": "no", "columns": ["email"], "page": "1"})
    assert response.context["export_url"] == f"{EXPORT}?verified=no&columns=email"


def test_the_csv_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(office):
    ContactFactory(
        first_name='=HYPERLINK("http://evil.example")',
        last_name="X",
        email="@evil.example",
        phone="+1 555 0101",
        company_name="-2+3",
    )

    response = office.get(EXPORT, {"columns": ["name", "email", "phone", "company"]})

    assert exported(response)[1] == [
        '\'=HYPERLINK("http://evil.example") X',
        "'@evil.example",
        "'+1 555 0101",
        "'-2+3",
    ]


def test_staff_invite_the_chosen_results_and_see_each_refusal(office, alice, charlie):
    ann = ContactFactory(first_name="Ann", last_name="Green")
    PropertyContactFactory(contact=ann, role=PropertyContact.Role.PRIMARY)
    url = f"{SEARCH}?name=a&columns=name"

    response = office.post(url, {"contact": [alice.contact.pk, charlie.pk, ann.pk]}, follow=True)

    assert response.redirect_chain == [(url, 302)]
    shown = shown_messages(response)
    assert shown[0].startswith(
        "Alice Arnold already has an account (Customer Portal Verified) — "
        "send a password reset instead."
    )
    assert shown[1:] == [
        "Invited 2 contacts.",
        # Charlie holds no role; Ann is a Primary contact.
        "1 of the invited contacts holds no Primary or Billing role: "
        "they will see nothing in the portal until they do.",
    ]
    assert AccessToken.objects.filter(contact__in=[charlie, ann]).count() == 2
    assert not AccessToken.objects.filter(contact=alice.contact).exists()


def test_inviting_with_no_contact_chosen_says_so(office, charlie):
    response = office.post(SEARCH, {}, follow=True)

    assert shown_messages(response) == ["Choose the contacts to invite first."]
    assert not AccessToken.objects.exists()


def test_staff_without_the_invite_permission_get_no_checkboxes_and_cannot_invite(
    client, clerk, charlie
):
    client.force_login(clerk)

    response = client.get(SEARCH)

    assert found(response) == ["Charlie"]
    assert 'name="contact"' not in response.text
    assert client.post(SEARCH, {"contact": [charlie.pk]}).status_code == 403
    assert not AccessToken.objects.exists()
