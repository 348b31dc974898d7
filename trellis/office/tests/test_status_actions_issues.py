"""The request page's status buttons: Start work, Close, Reopen, and
switching Include Client on or off."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.issues.models import Issue
from trellis.testing.factories import IssueFactory, StaffFactory

pytestmark = pytest.mark.django_db

Status = Issue.Status


def url(issue, action):
    return reverse(f"admin:issues_issue_{action}", args=[issue.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def panel(office, issue):
    return office.get(url(issue, "change")).context["status_panel"]


@pytest.fixture
def issue():
    return IssueFactory(subject="Dead hedge", include_client=False)


def in_status(issue, status):
    closed_at = timezone.now() if status == Status.CLOSED else None
    Issue.objects.filter(pk=issue.pk).update(status=status, closed_at=closed_at)
    issue.refresh_from_db()
    return issue


@pytest.fixture
def viewer(client):
    """Sam, who may look at requests and change none."""
    sam = StaffFactory(first_name="Sam")
    sam.user_permissions.set(Permission.objects.filter(codename="view_issue"))
    client.force_login(sam)
    return client


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.OPEN, ["start", "close", "include_client"]),
        (Status.IN_PROGRESS, ["close", "include_client"]),
        (Status.CLOSED, ["reopen", "include_client"]),
    ],
)
def test_the_page_offers_only_the_buttons_the_status_allows(office, issue, status, expected):
    in_status(issue, status)

    assert [button.name for button in panel(office, issue).buttons] == expected


@pytest.mark.parametrize(
    ("include_client", "label", "switch"), [(False, "on", "on"), (True, "off", "off")]
)
def test_the_include_client_button_switches_it_the_other_way(
    office, issue, include_client, label, switch
):
    Issue.objects.filter(pk=issue.pk).update(include_client=include_client)

    page = office.get(url(issue, "change")).text

    assert f'class="button">Switch Include Client {label}</button>' in page
    assert f'<input type="hidden" name="include" value="{switch}">' in page


def test_staff_who_may_only_view_see_the_status_and_no_button(viewer, issue):
    response = viewer.get(url(issue, "change"))

    assert "<strong>Status: Open</strong>" in response.text
    assert response.context["status_panel"].buttons == []
    assert 'id="status-close-form"' not in response.text


def test_starting_work_puts_an_open_request_in_progress(office, staff, issue):
    response = office.post(url(issue, "start"))

    assert response.status_code == 302
    assert response.url == url(issue, "change")
    assert messages_of(response) == ["Work has started on “Dead hedge”: it is in progress."]
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
    entry = AuditEntry.objects.get(action="issue.started")
    assert (entry.actor, entry.data) == (staff, {"was": "open"})


def test_starting_work_on_a_closed_request_is_refused(office, issue):
    in_status(issue, Status.CLOSED)

    response = office.post(url(issue, "start"))

    assert messages_of(response) == ["“Dead hedge” is closed, so it can't be started."]
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS])
def test_closing_a_request_says_when(office, staff, issue, status):
    in_status(issue, status)

    response = office.post(url(issue, "close"))

    assert messages_of(response) == ["“Dead hedge” is closed."]
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    assert issue.closed_at is not None
    assert AuditEntry.objects.get(action="issue.closed").actor == staff


def test_reopening_a_closed_request_clears_when_it_was_closed(office, staff, issue):
    in_status(issue, Status.CLOSED)

    response = office.post(url(issue, "reopen"))

    assert messages_of(response) == ["“Dead hedge” is open again."]
    issue.refresh_from_db()
    assert (issue.status, issue.closed_at) == (Status.OPEN, None)
    assert AuditEntry.objects.get(action="issue.reopened").actor == staff


def test_reopening_an_open_request_is_refused(office, issue):
    response = office.post(url(issue, "reopen"))

    assert messages_of(response) == ["“Dead hedge” is open, so it can't be reopened."]
    assert not AuditEntry.objects.exists()


def test_switching_include_client_on_is_audited(office, staff, issue):
    response = office.post(url(issue, "include_client"), {"include": "on"})

    assert messages_of(response) == [
        "Include Client is now checked: “Dead hedge” is shown to the customer in the portal."
    ]
    issue.refresh_from_db()
    assert issue.include_client
    assert AuditEntry.objects.get(action="issue.include_client_on").actor == staff


def test_switching_include_client_off_takes_the_request_out_of_the_portal(office, staff, issue):
    Issue.objects.filter(pk=issue.pk).update(include_client=True)

    response = office.post(url(issue, "include_client"), {"include": "off"})

    assert messages_of(response) == [
        "Include Client is now unchecked: “Dead hedge” is no longer shown in the portal."
    ]
    issue.refresh_from_db()
    assert not issue.include_client
    assert AuditEntry.objects.get(action="issue.include_client_off").actor == staff


def test_include_client_already_as_asked_is_news_not_an_error(office, issue):
    Issue.objects.filter(pk=issue.pk).update(include_client=True)

    response = office.post(url(issue, "include_client"))

    [message] = get_messages(response.wsgi_request)
    assert (message.level_tag, str(message)) == (
        "info",
        "“Dead hedge” already has Include Client checked.",
    )
    assert not AuditEntry.objects.exists()


BUTTONS = ["start", "close", "reopen", "include_client"]


@pytest.mark.parametrize("action", BUTTONS)
def test_every_button_answers_a_get_with_405(office, issue, action):
    assert office.get(url(issue, action)).status_code == 405
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("action", BUTTONS)
def test_every_button_refuses_staff_who_may_not_change_requests(viewer, issue, action):
    assert viewer.post(url(issue, action)).status_code == 403
    issue.refresh_from_db()
    assert (issue.status, issue.include_client) == (Status.OPEN, False)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("action", BUTTONS)
def test_every_button_answers_404_for_a_request_that_does_not_exist(office, action):
    missing = reverse(f"admin:issues_issue_{action}", args=[999999])

    assert office.post(missing).status_code == 404
