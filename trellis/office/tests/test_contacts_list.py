import datetime as dt
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken, User
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.office import contact_search
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.test_contact_search import exported, found, shown_messages
from trellis.office.tests.test_staff_words import model_names_on, visible_text
from trellis.office.tests.test_view_as import staff_with
from trellis.testing.factories import (
    ContactFactory,
    PropertyContactFactory,
    PropertyFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("office:contacts")
EXPORT = reverse("office:contacts-export")
Role = PropertyContact.Role
EVERY_COLUMN = [column.key for column in contact_search.COLUMNS]


@pytest.fixture
def clerk(client):
    """Sam: staff who may read contacts, but not invite or add them."""
    client.force_login(staff_with("view_contact"))
    return client


def test_with_no_search_every_contact_is_listed_with_the_default_columns(office, alice, charlie):
    response = office.get(LIST)

    assert response.status_code == 200
    assert found(response) == ["Alice", "Charlie"]
    assert [c.label for c in response.context["columns"]] == [
        "Name",
        "Email",
        "Customer Portal Verified",
        "Last invited",
        "Last sign-in",
    ]
    assert "2 contacts found" in response.text


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ({"name": "mar lop"}, ["Maria"]),
        ({"email": "SARAH@"}, ["Sarah"]),
        ({"property": "oak"}, ["Maria", "Sarah"]),
        ({"property": "p-elm"}, ["Kevin"]),
        ({"role": "billing"}, ["Sarah"]),
        ({"property": "oak", "role": "primary"}, ["Maria"]),
        ({"verified": "yes"}, ["Kevin"]),
        ({"verified": "no"}, ["Maria", "Sarah"]),
        ({"invited": "on"}, ["Sarah"]),
    ],
)
def test_each_filter_in_the_query_string_narrows_the_list(office, staff, search, expected):
    maria = ContactFactory(first_name="Maria", last_name="Lopez")
    sarah = ContactFactory(first_name="Sarah", last_name="Nguyen", email="sarah@example.com")
    kevin = ContactFactory(first_name="Kevin", last_name="Park")
    oak = PropertyFactory(name="Oak Lodge")
    PropertyContactFactory(property=oak, contact=maria, role=Role.PRIMARY)
    PropertyContactFactory(property=oak, contact=sarah, role=Role.BILLING)
    PropertyContactFactory(property__external_id="P-ELM", contact=kevin, role=Role.OTHER)
    User.objects.create(contact=kevin)
    contact_invite(contact=sarah, invited_by=staff)

    assert found(office.get(LIST, search)) == expected


def test_a_filter_with_a_wrong_value_is_marked_and_lists_nobody(office, charlie):
    response = office.get(LIST, {"role": "owner"})

    assert found(response) == []
    assert "Select a valid choice." in response.text
    assert "Check the filters marked below" in response.text


def test_the_search_keeps_what_was_typed(office, charlie):
    response = office.get(LIST, {"name": "char", "columns": ["name", "last_sign_in"]})

    assert 'name="name" value="char"' in response.text
    assert 'value="last_sign_in" id="id_columns_8" checked' in response.text


def test_the_chosen_columns_show_portal_status_invitations_and_sign_ins(
    office, staff, alice, charlie
):
    PropertyContactFactory(property__name="Oak Lodge", contact=charlie, role=Role.BILLING)
    invitation = contact_invite(contact=charlie, invited_by=staff)
    AccessToken.objects.filter(pk=invitation.pk).update(
        created_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
    )
    alice.date_joined = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    alice.last_login = dt.datetime(2026, 4, 1, 8, 15, tzinfo=dt.UTC)
    alice.save()

    response = office.get(LIST, {"columns": EVERY_COLUMN})

    alice_row, charlie_row = (dict(row["cells"]) for row in response.context["rows"])
    assert list(alice_row) == list(charlie_row) == EVERY_COLUMN
    assert {k: alice_row[k] for k in ("verified", "verified_since", "last_sign_in")} == {
        "verified": "Yes",
        "verified_since": "March 2, 2026, 9:30 AM",
        "last_sign_in": "April 1, 2026, 8:15 AM",
    }
    assert {k: charlie_row[k] for k in ("verified", "last_invited", "invitation_state")} == {
        "verified": "No",
        "last_invited": "May 4, 2026, 10:00 AM",
        "invitation_state": "Pending",
    }
    assert charlie_row["properties"] == "Oak Lodge (Billing)"


def test_only_the_chosen_columns_are_shown(office, charlie):
    response = office.get(LIST, {"columns": ["name", "last_sign_in"]})

    [row] = response.context["rows"]
    assert row["cells"] == [("name", "Charlie Chen"), ("last_sign_in", "-")]
    assert "Customer Portal Verified</th>" not in response.text


def test_each_name_links_to_the_contacts_page(office, charlie):
    response = office.get(LIST)

    assert (
        f'<a href="{reverse("office:contact", kwargs={"contact_id": charlie.pk})}">Charlie Chen</a>'
        in response.text
    )


def add_contacts(n, *, last_name="Green"):
    numbers = count(Contact.objects.count())
    return Contact.objects.bulk_create(
        Contact(first_name=f"Person{next(numbers):04d}", last_name=last_name) for _ in range(n)
    )


def test_the_list_shows_50_contacts_a_page_with_the_total_and_keeps_the_search(office):
    add_contacts(51)
    add_contacts(3, last_name="Brown")

    first = office.get(LIST, {"name": "green"})
    second = office.get(first.context["listing"].next_url)

    assert len(found(first)) == 50
    assert found(second) == ["Person0050"]
    assert "Page 1 of 2 · 51 in all" in first.text
    assert second.context["listing"].previous_url == f"{LIST}?name=green&page=1"
    assert "51 contacts found" in second.text


def test_staff_invite_the_chosen_contacts_and_come_back_to_the_same_search(office, alice, charlie):
    ann = ContactFactory(first_name="Ann", last_name="Green")
    PropertyContactFactory(contact=ann, role=Role.PRIMARY)
    here = f"{LIST}?name=a&columns=name&page=1"

    response = office.post(here, {"contact": [alice.contact.pk, charlie.pk, ann.pk]}, follow=True)

    assert response.redirect_chain == [(here, 302)]
    shown = shown_messages(response)
    assert shown[0].startswith("Alice Arnold already has an account (Customer Portal Verified)")
    assert shown[1:] == [
        "Invited 2 contacts.",
        # Charlie holds no role: the invitation goes, and shows him nothing.
        "1 of the invited contacts holds no Primary or Billing role: "
        "they will see nothing in the portal until they do.",
    ]
    assert set(AccessToken.objects.values_list("contact", flat=True)) == {charlie.pk, ann.pk}


def test_inviting_with_no_contact_chosen_says_so(office, charlie):
    response = office.post(LIST, {}, follow=True)

    assert shown_messages(response) == ["Choose the contacts to invite first."]
    assert not AccessToken.objects.exists()


def test_staff_who_may_invite_get_a_checkbox_per_contact_and_the_button(office, charlie):
    text = office.get(LIST).text

    assert f'name="contact" value="{charlie.pk}"' in text
    assert f'<label for="choose-contact-{charlie.pk}"' in text
    assert "Invite chosen contacts" in text


def test_staff_who_may_not_invite_get_no_checkboxes_and_cannot_invite(clerk, charlie):
    text = clerk.get(LIST).text

    assert 'name="contact"' not in text
    assert "Invite chosen contacts" not in text
    assert clerk.post(LIST, {"contact": [charlie.pk]}).status_code == 403
    assert not AccessToken.objects.exists()


def test_the_add_contact_button_is_for_staff_who_may_add_contacts(office, clerk):
    adder = staff_with("view_contact", "add_contact")
    sam_sees = clerk.get(LIST).text
    office.force_login(adder)

    assert f'href="{reverse("office:contact-add")}"' in office.get(LIST).text
    assert "Add contact" not in sam_sees


def test_the_page_reads_in_staff_words(office, charlie):
    text = visible_text(office.get(LIST, {"columns": EVERY_COLUMN}))

    assert model_names_on(text) == []
    for words in [
        "Contacts",
        "Filters",
        "Columns to show",
        "Customer Portal Verified",
        "Verified since",
        "Last invited",
        "Last sign-in",
        "Invited, not yet accepted",
        "1 contact found",
        "Invite chosen contacts",
        "Export CSV",
        "Add contact",
    ]:
        assert words in text


def test_every_input_of_the_search_has_a_label(office, charlie):
    text = office.get(LIST).text

    for name in ["name", "email", "property", "role", "verified", "invited"]:
        assert f'<label for="id_{name}"' in text
    for index in range(len(contact_search.COLUMNS)):
        assert f'<label for="id_columns_{index}"' in text


def test_the_export_link_downloads_the_same_search(office, charlie):
    response = office.get(LIST, {"verified": "no", "columns": ["email"], "page": "1"})

    assert response.context["export_url"] == f"{EXPORT}?verified=no&columns=email"


def test_the_csv_has_the_chosen_columns_and_every_contact_found_not_one_page(office, alice):
    add_contacts(60)
    alice.date_joined = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    alice.save()

    response = office.get(EXPORT, {"columns": ["name", "verified", "verified_since"], "page": "2"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    rows = exported(response)
    assert rows[:3] == [
        ["Name", "Customer Portal Verified", "Verified since"],
        ["Alice Arnold", "Yes", "2026-03-02 09:30"],
        ["Person0001 Green", "No", ""],
    ]
    assert len(rows) == 1 + 61


def test_the_csv_applies_the_filters(office, alice, charlie):
    response = office.get(EXPORT, {"verified": "no", "columns": ["email"]})

    assert exported(response) == [["Email"], ["charlie@example.com"]]


def test_the_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(office):
    ContactFactory(first_name="=1+2", last_name="X", email="@evil.example")

    response = office.get(EXPORT, {"columns": ["name", "email"]})

    assert exported(response)[1] == ["'=1+2 X", "'@evil.example"]


def add_contacts_with_everything(staff):
    """Contacts each with a property role and an invitation, every other one
    Customer Portal Verified: every per-row column has something to read."""

    def add(n):
        people = add_contacts(n)
        places = Property.objects.bulk_create(
            Property(name=f"{person.first_name} House") for person in people
        )
        PropertyContact.objects.bulk_create(
            PropertyContact(property=place, contact=person, role=Role.PRIMARY)
            for person, place in zip(people, places, strict=True)
        )
        AccessToken.objects.bulk_create(
            AccessToken(
                contact=person,
                purpose=AccessToken.Purpose.INVITATION,
                token_hash=f"{person.pk:064d}",
                sent_to=f"{person.first_name}@example.com",
                created_by=staff,
                expires_at=timezone.now() + dt.timedelta(days=7),
            )
            for person in people
        )
        User.objects.bulk_create(
            User(contact=person, last_login=timezone.now()) for person in people[::2]
        )

    return add


@pytest.mark.parametrize(
    ("url", "at_most"),
    [
        # Sign-in (3), the count, the page, its roles, its invitations, the branding.
        (LIST, 8),
        # Sign-in (3), the contacts, their roles, their invitations.
        (EXPORT, 6),
    ],
)
def test_the_list_and_its_csv_run_as_many_queries_for_500_contacts_as_for_5(
    office, staff, url, at_most
):
    every_column = f"{url}?{'&'.join(f'columns={key}' for key in EVERY_COLUMN)}"

    queries = assert_queries_do_not_grow(
        office, every_column, add_rows=add_contacts_with_everything(staff)
    )

    assert queries <= at_most
