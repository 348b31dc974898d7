"""The search behind the office's contacts list (trellis/office/contact_search.py):
the filters and columns test_contacts_list.py does not already hold, and the
helpers both files read the answers with."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.invitations import contact_invite
from trellis.accounts.models import AccessToken
from trellis.customers.models import Contact, PropertyContact
from trellis.office import contact_search
from trellis.testing.factories import ContactFactory, PropertyContactFactory

pytestmark = pytest.mark.django_db

LIST = reverse("office:contacts")
EXPORT = reverse("office:contacts-export")
Role = PropertyContact.Role


def found(response):
    return [row["contact"].first_name for row in response.context["rows"]]


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def exported(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mar", ["Maria", "Mark"]), ("LOPEZ", ["Maria"]), ("mar lop", ["Maria"]), ("zed", [])],
)
def test_the_name_filter_finds_part_of_the_first_or_last_name(office, name, expected):
    ContactFactory(first_name="Maria", last_name="Lopez")
    ContactFactory(first_name="Mark", last_name="Twain")
    ContactFactory(first_name="Bob", last_name="Smith")

    assert found(office.get(LIST, {"name": name})) == expected


def test_with_a_property_the_role_is_the_one_held_on_that_property(office, charlie):
    PropertyContactFactory(property__name="Oak Lodge", contact=charlie, role=Role.OTHER)
    PropertyContactFactory(property__name="Elm House", contact=charlie, role=Role.BILLING)

    assert found(office.get(LIST, {"property": "oak", "role": "billing"})) == []
    assert found(office.get(LIST, {"property": "elm", "role": "billing"})) == ["Charlie"]


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

    assert found(office.get(LIST, {"invited": "on"})) == ["Charlie", "Dana"]


def test_every_column_can_be_chosen_and_each_says_what_is_missing(office, staff, alice, charlie):
    PropertyContactFactory(property__name="Oak Lodge", contact=charlie, role=Role.BILLING)
    PropertyContactFactory(property__name="Elm House", contact=charlie, role=Role.OTHER)
    charlie.phone, charlie.company_name = "555-0101", "Chen Farms"
    charlie.save()
    every_column = [column.key for column in contact_search.COLUMNS]

    response = office.get(LIST, {"columns": every_column})

    assert [c.key for c in response.context["columns"]] == every_column
    alice_row, charlie_row = (dict(row["cells"]) for row in response.context["rows"])
    assert {key: alice_row[key] for key in ("phone", "company", "properties")} == {
        "phone": "-",
        "company": "-",
        "properties": "-",
    }
    assert alice_row["last_invited"] == "-"
    assert alice_row["invitation_state"] == "Not invited"
    assert charlie_row["properties"] == "Elm House (Other); Oak Lodge (Billing)"
    assert (charlie_row["phone"], charlie_row["company"]) == ("555-0101", "Chen Farms")
    for column in contact_search.COLUMNS:
        assert f'<th scope="col">{column.label}</th>' in response.text


def test_the_invitation_state_column_shows_the_newest_invitations_state(office, staff):
    for name, change in [
        ("Pending", {}),
        ("Expired", {"expires_at": timezone.now()}),
        ("Revoked", {"revoked_at": timezone.now()}),
        ("Used", {"used_at": timezone.now()}),
    ]:
        contact = ContactFactory(first_name=name)
        invitation = contact_invite(contact=contact, invited_by=staff)
        AccessToken.objects.filter(pk=invitation.pk).update(**change)

    response = office.get(LIST, {"columns": ["name", "invitation_state"]})

    shown = {row["contact"].first_name: dict(row["cells"]) for row in response.context["rows"]}
    assert {name: cells["invitation_state"] for name, cells in shown.items()} == {
        "Pending": "Pending",
        "Expired": "Expired",
        "Revoked": "Revoked",
        "Used": "Used",
    }


def test_a_page_past_the_end_shows_the_last_page(office):
    Contact.objects.bulk_create(
        Contact(first_name=f"Person{n:02d}", last_name="Green") for n in range(51)
    )

    assert found(office.get(LIST, {"page": "99"})) == ["Person50"]


def test_the_csv_neutralises_every_cell_a_spreadsheet_would_run_as_a_formula(office):
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
