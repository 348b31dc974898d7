import pytest
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.customers.models import Contact
from trellis.office.tests.query_counts import queries_of
from trellis.testing.factories import ContactFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

ADD = reverse("office:contact-add")


def edit_url(contact):
    return reverse("office:contact-edit", kwargs={"contact_id": contact.pk})


def details(**changes):
    return {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@example.com",
        "phone": "(217) 555-0101",
        "company_name": "",
        "language": "en",
        "external_id": "C-1001",
        **changes,
    }


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def test_staff_add_a_contact_and_land_on_its_page(office, staff):
    response = office.post(ADD, details(), follow=True)

    maria = Contact.objects.get(external_id="C-1001")
    assert response.redirect_chain == [
        (reverse("office:contact", kwargs={"contact_id": maria.pk}), 302)
    ]
    assert shown_messages(response) == ["Maria Lopez added."]
    entry = AuditEntry.objects.get(action="contact.created")
    assert (entry.actor, entry.target_id) == (staff, str(maria.pk))


def test_the_form_asks_for_no_password(office):
    page = office.get(ADD).text

    assert 'type="password"' not in page and "password" not in page.lower().split("<main")[1]


def test_the_form_keeps_what_was_typed_and_puts_the_error_beside_its_field(office):
    response = office.post(ADD, details(first_name="", phone="(217) 555-0199"))

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["first_name"]
    assert 'value="(217) 555-0199"' in response.text
    assert 'value="maria.lopez@example.com"' in response.text
    assert not Contact.objects.exists()


def test_the_edit_form_starts_with_the_contacts_details(office, charlie):
    page = office.get(edit_url(charlie)).text

    assert 'value="Charlie"' in page and 'value="charlie@example.com"' in page


def test_staff_change_a_contacts_details(office, staff, charlie):
    response = office.post(
        edit_url(charlie),
        details(first_name="Charlie", last_name="Chen", email="charlie@example.com", phone="1"),
        follow=True,
    )

    assert shown_messages(response) == ["Charlie Chen's details saved."]
    charlie.refresh_from_db()
    assert (charlie.phone, charlie.external_id) == ("1", "C-1001")
    entry = AuditEntry.objects.get(action="contact.changed")
    assert entry.data == {"changes": [{"changed": {"fields": ["Phone", "External id"]}}]}


def test_a_duplicate_sign_in_email_is_refused_with_a_clear_message_and_nothing_changes(
    office, alice
):
    CustomerAccountFactory(contact=ContactFactory(email="bob@example.com"))

    response = office.post(
        edit_url(alice.contact),
        details(first_name="Alicia", last_name="Arnold", email="Bob@Example.com", external_id=""),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["Another account already signs in with this email."]
    }
    assert 'value="Alicia"' in response.text and 'value="Bob@Example.com"' in response.text
    alice.contact.refresh_from_db()
    assert (alice.contact.first_name, alice.contact.email) == ("Alice", "alice@example.com")


def test_a_taken_external_id_is_refused_beside_its_field(office):
    ContactFactory(external_id="C-1001")

    response = office.post(ADD, details())

    assert list(response.context["form"].errors) == ["external_id"]
    assert Contact.objects.count() == 1


def test_a_missing_contact_has_no_edit_page(office):
    response = office.get(reverse("office:contact-edit", kwargs={"contact_id": 999999}))

    assert response.status_code == 404


def test_both_forms_run_a_bounded_number_of_queries(office, charlie):
    # A form page has no rows to grow: its count is only kept small.
    assert queries_of(office, ADD) <= 8
    assert queries_of(office, edit_url(charlie)) <= 8
