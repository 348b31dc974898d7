import pytest

from trellis.audit.models import AuditEntry
from trellis.company.models import Company
from trellis.customers.models import PropertyContact
from trellis.issues.models import Comment, Issue, Photo
from trellis.issues.services import (
    RequestNotVisible,
    request_close,
    request_comment,
    request_open,
    staff_reply,
)
from trellis.issues.tests.photos import (
    checked,
    png,
)
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import (
    CommentFactory,
    IssueFactory,
    PropertyContactFactory,
    PropertyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(alice):
    return PropertyContactFactory(contact=alice.contact, role=PropertyContact.Role.PRIMARY).property


@pytest.fixture
def notified():
    company = Company.load()
    company.staff_notification_email = "office@greenway.example"
    company.save()
    return company


def open_request(alice, home, **kwargs):
    fields = {"subject": "Broken sprinkler", "description": "By the gate.", "photos": []}
    return request_open(contact=alice.contact, property=home, **(fields | kwargs))


def test_a_customers_request_is_shown_to_them_and_raised_by_them(alice, home):
    issue = open_request(alice, home)

    assert issue.include_client
    assert issue.created_by_contact == alice.contact
    assert issue.created_by_user is None
    assert issue.status == Issue.Status.OPEN


def test_a_request_on_a_property_the_contact_does_not_see_is_refused(alice, charlie):
    theirs = PropertyContactFactory(contact=charlie, role=PropertyContact.Role.PRIMARY).property
    PropertyContactFactory(property=theirs, contact=alice.contact, role=PropertyContact.Role.OTHER)

    with pytest.raises(RequestNotVisible):
        open_request(alice, theirs)

    assert not Issue.objects.exists()


def test_no_request_is_opened_with_the_requests_section_off(alice, home):
    Company.objects.filter(pk=Company.load().pk).update(requests_enabled=False)

    with pytest.raises(RequestNotVisible):
        open_request(alice, home)


def test_opening_a_request_notifies_staff_in_english_with_the_office_link(
    alice, home, notified, settings
):
    alice.contact.language = "es"
    alice.contact.save()
    settings.PUBLIC_BASE_URL = "https://portal.greenway.example"

    photos = checked(alice.contact, png())
    issue = open_request(alice, home, subject="Árbol caído & roto", photos=photos)

    email = OutgoingEmail.objects.get()
    assert email.kind == OutgoingEmail.Kind.NOTIFICATION
    assert email.to_address == "office@greenway.example"
    assert email.subject == "New request from Alice Arnold: Árbol caído & roto"
    link = f"https://portal.greenway.example/office/requests/{issue.pk}/"
    assert link in email.body_text
    assert link in email.body_html
    assert "opened a request" in email.body_text
    assert "Photos attached: 1" in email.body_text
    assert "&amp;" not in email.body_text


def test_nobody_is_emailed_without_a_staff_notification_address(alice, home):
    open_request(alice, home)
    assert not OutgoingEmail.objects.exists()


def test_opening_and_commenting_are_audited_with_the_customers_account(alice, home):
    issue = open_request(alice, home)
    comment = request_comment(contact=alice.contact, issue=issue, body="Any news?", photos=[])

    entries = AuditEntry.objects.order_by("id")
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("issue.opened_by_customer", alice, str(issue.pk)),
        ("comment.written_by_customer", alice, str(comment.pk)),
    ]


def test_a_customers_comment_is_public_and_notifies_staff(alice, home, notified):
    issue = IssueFactory(property=home)

    comment = request_comment(contact=alice.contact, issue=issue, body="Still leaking.", photos=[])

    assert (comment.author_contact, comment.is_public) == (alice.contact, True)
    email = OutgoingEmail.objects.get()
    assert email.subject == "Alice Arnold commented on “Broken sprinkler head”"
    assert "Still leaking." in email.body_text


def test_a_closed_request_takes_a_comment_and_stays_closed(alice, home):
    issue = request_close(issue_id=IssueFactory(property=home).pk, actor=None)
    closed_at = issue.closed_at

    request_comment(contact=alice.contact, issue=issue, body="It broke again.", photos=[])

    issue.refresh_from_db()
    assert (issue.status, issue.closed_at) == (Issue.Status.CLOSED, closed_at)
    assert issue.comments.count() == 1


@pytest.mark.parametrize("include_client", [False, True])
def test_no_comment_on_a_request_the_contact_does_not_see(alice, home, include_client):
    hidden = IssueFactory(property=home, include_client=False)
    elsewhere = IssueFactory(include_client=include_client)

    for issue in (hidden, elsewhere):
        with pytest.raises(RequestNotVisible):
            request_comment(contact=alice.contact, issue=issue, body="Hello?", photos=[])

    assert not Comment.objects.exists()


def test_photos_are_stored_under_a_name_of_our_own(alice, home, settings):
    issue = open_request(alice, home, photos=checked(alice.contact, png("../../etc/My garden.png")))

    photo = Photo.objects.get()
    assert photo.issue == issue
    assert photo.comment is None
    assert photo.uploaded_by_contact == alice.contact
    assert photo.original_name == "My garden.png"
    assert photo.content_type == "image/png"
    assert photo.image.name.startswith(f"requests/{issue.pk}/")
    assert photo.image.name.endswith(".png")
    assert "garden" not in photo.image.name
    assert (settings.MEDIA_ROOT / photo.image.name).stat().st_size == photo.size


def test_a_comments_photos_belong_to_the_comment(alice, home):
    issue = IssueFactory(property=home)

    comment = request_comment(
        contact=alice.contact, issue=issue, body="See.", photos=checked(alice.contact, png())
    )

    assert [p.comment for p in issue.photos.all()] == [comment]


def test_a_staff_reply_is_public_or_an_internal_note(staff):
    issue = IssueFactory()

    public = staff_reply(issue=issue, author=staff, body="Tuesday.", public=True)
    note = staff_reply(issue=issue, author=staff, body="Check the valve.", public=False)

    assert (public.author_user, public.is_public) == (staff, True)
    assert (note.author_user, note.is_public) == (staff, False)
    assert list(
        AuditEntry.objects.filter(action="comment.written_by_staff")
        .order_by("id")
        .values_list("data", flat=True)
    ) == [{"issue": issue.pk, "public": True}, {"issue": issue.pk, "public": False}]


def test_only_staff_reply_from_the_office(alice):
    with pytest.raises(ValueError, match="Only staff"):
        staff_reply(issue=IssueFactory(), author=alice, body="Hi", public=True)


def test_a_staff_reply_sends_no_staff_notification(staff, notified):
    staff_reply(issue=CommentFactory().issue, author=staff, body="Done.", public=True)
    assert not OutgoingEmail.objects.exists()


def test_a_property_the_contact_bills_counts_as_theirs(alice):
    billed = PropertyFactory()
    PropertyContactFactory(
        property=billed, contact=alice.contact, role=PropertyContact.Role.BILLING
    )

    issue = request_open(
        contact=alice.contact, property=billed, subject="Hedge", description="", photos=[]
    )

    assert issue.property == billed
