import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from trellis.audit.models import AuditEntry
from trellis.customers.contacts import contact_create, contact_update
from trellis.customers.models import Contact
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import ContactFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def test_creating_a_contact_saves_it_and_writes_a_created_entry(staff):
    maria = contact_create(
        actor=staff, first_name="Maria", last_name="Lopez", email="maria@example.com"
    )

    assert Contact.objects.get(pk=maria.pk).email == "maria@example.com"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_repr) == (
        "contact.created",
        staff,
        "Maria Lopez",
    )
    assert entry.target_type == ContentType.objects.get_for_model(Contact)
    assert entry.data == {"changes": [{"added": {}}]}


def test_a_contact_needs_a_first_name_and_nothing_is_written_without_one(staff):
    with pytest.raises(ValidationError) as refused:
        contact_create(actor=staff, first_name="", email="nobody@example.com")

    assert "first_name" in refused.value.message_dict
    assert not Contact.objects.exists() and not AuditEntry.objects.exists()


def test_an_empty_external_id_is_none_so_many_contacts_may_have_none(staff):
    first = contact_create(actor=staff, first_name="Ann", external_id="")
    second = contact_create(actor=staff, first_name="Ben", external_id="")

    assert first.external_id is None and second.external_id is None


def test_an_external_id_stays_unique(staff):
    ContactFactory(external_id="C-1001")

    with pytest.raises(ValidationError) as refused:
        contact_create(actor=staff, first_name="Ann", external_id="C-1001")

    assert "external_id" in refused.value.message_dict


def test_updating_names_the_changed_fields_in_its_entry(staff, charlie):
    contact_update(contact=charlie, actor=staff, phone="555-0199", company_name="Chen & Co")

    entry = AuditEntry.objects.get(action="contact.changed")
    assert entry.actor == staff and entry.target_id == str(charlie.pk)
    assert entry.data == {"changes": [{"changed": {"fields": ["Phone", "Customer company"]}}]}
    charlie.refresh_from_db()
    assert (charlie.phone, charlie.company_name) == ("555-0199", "Chen & Co")


def test_an_update_that_changes_nothing_writes_nothing(staff, charlie):
    contact_update(contact=charlie, actor=staff, first_name="Charlie", email="charlie@example.com")

    assert not AuditEntry.objects.exists()


def test_a_changed_email_moves_the_sign_in_and_tells_the_old_address(staff, alice):
    contact_update(contact=alice.contact, actor=staff, email="alice.new@example.com")

    alice.refresh_from_db()
    assert alice.login_email == "alice.new@example.com"
    changed = AuditEntry.objects.get(action="contact.changed")
    assert changed.data == {"changes": [{"changed": {"fields": ["Email"]}}]}
    moved = AuditEntry.objects.get(action="contact.email_changed")
    assert moved.data == {"from": "alice@example.com", "to": "alice.new@example.com"}
    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.EMAIL_CHANGED)
    assert notice.to_address == "alice@example.com"


def test_a_verified_contact_cannot_take_an_email_another_account_signs_in_with_in_any_case(
    staff, alice
):
    CustomerAccountFactory(contact=ContactFactory(email="bob@example.com"))

    with pytest.raises(ValidationError) as refused:
        contact_update(contact=alice.contact, actor=staff, email="BOB@example.com")

    assert refused.value.message_dict == {
        "email": ["Another account already signs in with this email."]
    }
    alice.contact.refresh_from_db()
    assert alice.contact.email == "alice@example.com"
    assert not AuditEntry.objects.exists()


def test_a_verified_contact_cannot_be_left_without_an_email(staff, alice):
    with pytest.raises(ValidationError) as refused:
        contact_update(contact=alice.contact, actor=staff, email="")

    assert refused.value.message_dict == {
        "email": ["This contact signs in to the portal with its email, so it cannot be empty."]
    }


def test_contacts_without_an_account_may_share_a_household_email(staff):
    emily = ContactFactory(email="parkerfamily@example.com")
    michael = ContactFactory(email="michael@example.com")

    contact_update(contact=michael, actor=staff, email="ParkerFamily@example.com")

    michael.refresh_from_db()
    assert michael.email == "ParkerFamily@example.com" and emily.email == "parkerfamily@example.com"
    assert not OutgoingEmail.objects.exists()  # no account: no sign-in moved


def test_only_the_details_staff_may_set_are_taken(staff, charlie):
    with pytest.raises(TypeError):
        contact_update(contact=charlie, actor=staff, password="hunter22")
