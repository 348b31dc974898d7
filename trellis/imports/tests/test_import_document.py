from decimal import Decimal

import pytest

from trellis.accounts.models import User
from trellis.audit.models import AuditEntry
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.imports import validation
from trellis.imports.services import ImportRejected, import_document, parse_document
from trellis.issues.models import Comment
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import (
    DEFAULT_PASSWORD,
    CommentFactory,
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def problems_of(data):
    with pytest.raises(ImportRejected) as excinfo:
        import_document(data=data)
    return excinfo.value.problems


def test_an_empty_document_imports_nothing_but_is_audited(staff):
    result = import_document(data={}, actor=staff)

    assert all(counts == {"created": 0, "updated": 0} for counts in result.counts.values())
    assert AuditEntry.objects.get().actor == staff


def test_the_result_counts_created_and_updated_records_per_section(document):
    first = import_document(data=document)
    second = import_document(data=document)

    assert first.counts["properties"] == {"created": 2, "updated": 0}
    assert first.counts["company"] == {"created": 1, "updated": 0}
    assert second.counts["properties"] == {"created": 0, "updated": 2}
    assert second.counts["staff"] == {"created": 0, "updated": 2}


def test_every_problem_in_the_file_is_reported_not_only_the_first(document):
    document["contacts"][0]["email"] = "nope"
    document["contacts"][2]["first_name"] = ""
    document["proposals"][0]["items"][0]["chosen"] = True
    document["issues"][1]["status"] = "done"

    assert problems_of(document) == [
        'contacts[0] (external_id "C-1"): email: Enter a valid email address.',
        'contacts[2] (external_id "C-3"): first_name: This field is required.',
        'proposals[0] (external_id "PR-1"): items[0].chosen: only an optional item can be chosen.',
        'issues[1] (external_id "IS-2"): status: Select a valid choice. '
        "done is not one of the available choices.",
    ]
    assert not Contact.objects.exists()


def test_unknown_fields_and_sections_are_errors_with_a_suggestion(document):
    document["contacts"][1]["emial"] = "tom@example.com"
    document["invoices"][0]["lines"][1]["tax"] = False
    document["propertys"] = []

    assert problems_of(document) == [
        'propertys: unknown section (did you mean "properties"?).',
        'contacts[1] (external_id "C-2"): emial: unknown field (did you mean "email"?).',
        'invoices[0] (external_id "I-1"): lines[1].tax: unknown field (did you mean "taxable"?).',
    ]


def test_references_to_records_in_neither_the_file_nor_the_database_are_reported(document):
    document["properties"][1]["contacts"][1]["contact"] = "C-9999"
    document["invoices"][2]["property"] = "P-404"
    document["issues"][0]["comments"][1]["author"] = {"staff": "nobody@greenway.example"}

    assert problems_of(document) == [
        'properties[1] (external_id "P-2"): contacts[1].contact: '
        'no contact with external_id "C-9999" in the file or the database.',
        'invoices[2] (external_id "I-3"): property: '
        'no property with external_id "P-404" in the file or the database.',
        'issues[0] (external_id "IS-1"): comments[1].author.staff: '
        'no staff user with email "nobody@greenway.example" in the file or the database.',
    ]


def test_references_may_name_records_already_in_the_database(document):
    StaffFactory(email="Omar.Haddad@Greenway.example")
    ContactFactory(external_id="C-2")
    del document["staff"][1]
    del document["contacts"][1]

    import_document(data=document)

    assert User.objects.filter(email__iexact="omar.haddad@greenway.example").count() == 1


def test_a_property_with_two_primary_contacts_is_rejected(document):
    document["properties"][0]["contacts"][1]["role"] = "primary"
    document["properties"][1]["contacts"].append({"contact": "C-3", "role": "billing"})

    assert problems_of(document) == [
        'properties[0] (external_id "P-1"): contacts[1].role: '
        "the property already has a primary contact (contacts[0]); it can have only one.",
        'properties[1] (external_id "P-2"): contacts[2]: '
        '"C-3" is listed as billing twice (first at contacts[1]).',
    ]


def test_external_ids_numbers_and_staff_emails_must_be_unique_in_the_file(document):
    document["contacts"].append({"external_id": "C-1", "first_name": "Marco"})
    document["invoices"][3]["number"] = "INV-1"
    document["staff"].append({"email": "JANE.smith@greenway.example"})
    document["issues"][1]["comments"] = [
        {"external_id": "CM-1", "author": {"staff": "jane.smith@greenway.example"}, "body": "x"}
    ]

    assert problems_of(document) == [
        'staff[2] (email "JANE.smith@greenway.example"): email: '
        '"jane.smith@greenway.example" is also the email of staff[0].',
        'contacts[3] (external_id "C-1"): external_id: '
        '"C-1" is also the external_id of contacts[0].',
        'invoices[3] (external_id "I-4"): number: "INV-1" is also the number of invoices[0].',
        'issues[1] (external_id "IS-2"): comments[0].external_id: '
        '"CM-1" is also the external_id of issues[0].comments[0].',
    ]


def test_a_number_another_record_has_in_the_database_is_reported(document):
    InvoiceFactory(number="INV-3")

    assert problems_of(document) == [
        'invoices[2] (external_id "I-3"): number: '
        '"INV-3" is already the number of another invoice in the database.'
    ]


def test_amounts_are_checked_against_the_total_the_lines_make(document):
    document["invoices"][0]["amount_paid"] = "228.25"
    document["invoices"][3]["amount_paid"] = "1.00"
    document["invoices"][4]["lines"][0]["unit_price"] = "-25"
    document["invoices"][4]["tax_rate"] = "5"
    document["invoices"][2]["lines"].append({"description": "Refund", "unit_price": "-100.01"})

    assert problems_of(document) == [
        'invoices[0] (external_id "I-1"): amount_paid: '
        "must be between 0 and the invoice total, 228.24.",
        'invoices[2] (external_id "I-3"): lines: the lines add up to a negative total (-0.01).',
        'invoices[3] (external_id "I-4"): amount_paid: must be 0 for a draft invoice.',
        'invoices[4] (external_id "I-5"): lines: '
        "the taxable lines add up to less than 0, so the tax would be negative.",
    ]


def test_dates_amounts_and_lists_are_checked(document):
    document["invoices"][0]["due_on"] = "2026-09-30"
    document["invoices"][1]["issued_on"] = "01/11/2026"
    document["invoices"][2]["tax_rate"] = "101"
    document["invoices"][3]["lines"] = []
    document["proposals"][0]["items"][2]["unit_price"] = "9.999"

    assert problems_of(document) == [
        'proposals[0] (external_id "PR-1"): items[2].unit_price: '
        "Ensure that there are no more than 2 decimal places.",
        'invoices[0] (external_id "I-1"): due_on: must not be before issued_on (2026-10-01).',
        'invoices[1] (external_id "I-2"): issued_on: Enter a valid date.',
        'invoices[2] (external_id "I-3"): tax_rate: '
        "Ensure this value is less than or equal to 100.",
        'invoices[3] (external_id "I-4"): lines: list at least one line.',
    ]


def test_a_contacts_comment_must_be_public(document):
    document["issues"][0]["comments"][0]["public"] = False

    assert problems_of(document) == [
        'issues[0] (external_id "IS-1"): comments[0].public: '
        'a contact\'s comment is always public: set "public": true.'
    ]


def test_text_where_text_belongs_and_true_or_false_where_a_flag_does(document):
    document["contacts"][0]["phone"] = 5550101
    document["issues"][0]["include_client"] = "yes"
    document["issues"][1]["created_by"] = {
        "staff": "omar.haddad@greenway.example",
        "contact": "C-1",
    }

    assert problems_of(document) == [
        'contacts[0] (external_id "C-1"): phone: Enter text, as a JSON string.',
        'issues[0] (external_id "IS-1"): include_client: Enter true or false.',
        'issues[1] (external_id "IS-2"): created_by: '
        'write {"staff": EMAIL} or {"contact": EXTERNAL_ID}.',
    ]


def test_a_file_that_is_not_an_object_or_has_a_section_of_the_wrong_shape_is_rejected():
    assert problems_of([]) == ['file: must hold one JSON object, like {"contacts": [...]}.']
    assert problems_of({"contacts": {}, "staff": ["x"]}) == [
        "staff[0]: must be a JSON object.",
        "contacts: must be a JSON list of records.",
    ]


def test_reimporting_never_changes_a_staff_users_password_or_permissions(document):
    jane = StaffFactory(email="jane.smith@greenway.example", first_name="Jane", is_superuser=True)
    import_document(data=document)
    document["staff"][0]["first_name"] = "Janet"

    import_document(data=document)

    jane.refresh_from_db()
    assert jane.first_name == "Janet"
    assert jane.is_superuser
    assert jane.check_password(DEFAULT_PASSWORD)
    assert User.objects.filter(email__iexact=jane.email).count() == 1


def test_company_fields_left_out_of_the_file_are_left_alone(document):
    import_document(
        data={"company": {"name": "Greenway", "brand_colour": "#123456", "invoices_enabled": False}}
    )
    document["company"] = {"name": "Greenway Landscaping"}

    import_document(data=document)

    company = Company.load()
    assert (company.name, company.brand_colour, company.invoices_enabled) == (
        "Greenway Landscaping",
        "#123456",
        False,
    )


def test_comments_are_matched_by_external_id_and_others_are_kept(document):
    import_document(data=document)
    issue_comment = Comment.objects.get(external_id="CM-2")
    extra = CommentFactory(issue=issue_comment.issue, body="Added in the office.")
    document["issues"][0]["comments"][1]["body"] = "Parts arrive Tuesday."

    import_document(data=document)

    issue_comment.refresh_from_db()
    assert issue_comment.body == "Parts arrive Tuesday."
    assert Comment.objects.filter(pk=extra.pk).exists()
    assert Comment.objects.count() == 3


def test_a_conflict_only_the_database_sees_rolls_back_and_names_the_record(
    document, snapshot, monkeypatch
):
    # As if another record took the number between the check and the write.
    monkeypatch.setattr(
        validation._DocumentChecker, "numbers_free_in_database", lambda *args, **kwargs: None
    )
    import_document(data={"contacts": document["contacts"]})
    InvoiceFactory(number="INV-2")
    before = snapshot()

    problems = problems_of(document)

    assert len(problems) == 1
    assert problems[0].startswith('invoices[1] (external_id "I-2"): the database refused it: ')
    assert snapshot() == before


def test_numbers_in_the_file_are_read_as_exact_decimals():
    data = parse_document('{"amount": 0.1, "count": 3, "big": 12345678901234567890.01}')

    assert data == {"amount": Decimal("0.1"), "count": 3, "big": Decimal("12345678901234567890.01")}
    assert isinstance(data["amount"], Decimal)
    with pytest.raises(ValueError, match="NaN"):
        parse_document('{"amount": NaN}')


def test_an_import_that_changes_a_customers_email_moves_the_sign_in_and_tells_the_old_address():
    import_document(
        data={"contacts": [{"external_id": "C-7", "first_name": "Ann", "email": "old@example.com"}]}
    )
    account = CustomerAccountFactory(contact=Contact.objects.get(external_id="C-7"))

    import_document(
        data={"contacts": [{"external_id": "C-7", "first_name": "Ann", "email": "new@example.com"}]}
    )

    account.contact.refresh_from_db()
    assert account.login_email == "new@example.com"
    notice = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.EMAIL_CHANGED)
    assert notice.to_address == "old@example.com"


def test_an_import_cannot_take_a_customers_sign_in_email_away():
    CustomerAccountFactory(contact=ContactFactory(email="ann@example.com", external_id="C-7"))
    CustomerAccountFactory(contact=ContactFactory(email="bob@example.com", external_id="C-8"))

    with pytest.raises(ImportRejected) as rejected:
        import_document(
            data={
                "contacts": [
                    {"external_id": "C-7", "first_name": "Ann", "email": ""},
                    {"external_id": "C-8", "first_name": "Bob", "email": "ANN@example.com"},
                ]
            }
        )

    assert rejected.value.problems == [
        'contacts[0] (external_id "C-7"): email: '
        "this contact signs in to the portal, so it needs one.",
        'contacts[1] (external_id "C-8"): email: Another account already signs in with this email.',
    ]


def test_a_contacts_language_is_imported():
    import_document(
        data={"contacts": [{"external_id": "C-9", "first_name": "José", "language": "es"}]}
    )
    assert Contact.objects.get(external_id="C-9").language == "es"
