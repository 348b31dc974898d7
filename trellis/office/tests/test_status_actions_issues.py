"""The request page's status buttons (office:request-start, -close, -reopen and
-include-client): which ones the page offers in each status, what each changes,
and the audit entry each writes through its service."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from trellis.audit.models import AuditEntry
from trellis.issues.models import Issue
from trellis.office.tests.requests_world import page_of, staff_with
from trellis.testing.factories import IssueFactory

pytestmark = pytest.mark.django_db

Status = Issue.Status
BUTTONS = ["start", "close", "reopen", "include-client"]


def button(name, issue):
    return reverse(f"office:request-{name}", kwargs={"request_id": issue.pk})


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def offered(client, issue):
    """The status buttons the request's page shows, by name."""
    page = client.get(page_of(issue)).text
    return [name for name in BUTTONS if f'action="{button(name, issue)}"' in page]


@pytest.fixture
def issue():
    return IssueFactory(subject="Dead hedge", include_client=False)


def in_status(issue, status):
    closed_at = timezone.now() if status == Status.CLOSED else None
    Issue.objects.filter(pk=issue.pk).update(status=status, closed_at=closed_at)
    issue.refresh_from_db()
    return issue


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.OPEN, ["start", "close", "include-client"]),
        (Status.IN_PROGRESS, ["close", "include-client"]),
        (Status.CLOSED, ["reopen", "include-client"]),
    ],
)
def test_the_page_offers_only_the_buttons_the_status_allows(office, issue, status, expected):
    in_status(issue, status)

    assert offered(office, issue) == expected


@pytest.mark.parametrize(
    ("include_client", "label", "switch"), [(False, "on", "on"), (True, "off", "off")]
)
def test_the_include_client_button_switches_it_the_other_way(
    office, issue, include_client, label, switch
):
    Issue.objects.filter(pk=issue.pk).update(include_client=include_client)

    page = office.get(page_of(issue)).text

    assert f'class="button secondary">Switch Include Client {label}</button>' in page
    assert f'<input type="hidden" name="include" value="{switch}">' in page


def test_staff_who_may_only_view_see_the_status_and_no_button(client, issue):
    client.force_login(staff_with("view_issue"))

    page = client.get(page_of(issue)).text

    assert '<dt>Status</dt><dd><span class="badge warn">Open</span>' in page
    assert offered(client, issue) == []


def test_starting_work_puts_an_open_request_in_progress(office, staff, issue):
    response = office.post(button("start", issue))

    assert response.status_code == 302
    assert response.url == page_of(issue)
    assert messages_of(response) == ["Work has started on “Dead hedge”: it is in progress."]
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
    entry = AuditEntry.objects.get(action="issue.started")
    assert (entry.actor, entry.data) == (staff, {"was": "open"})


def test_starting_work_on_a_closed_request_is_refused(office, issue):
    in_status(issue, Status.CLOSED)

    response = office.post(button("start", issue))

    assert messages_of(response) == ["“Dead hedge” is closed, so it can't be started."]
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS])
def test_closing_a_request_says_when(office, staff, issue, status):
    in_status(issue, status)

    response = office.post(button("close", issue))

    assert messages_of(response) == ["“Dead hedge” is closed."]
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    assert issue.closed_at is not None
    assert AuditEntry.objects.get(action="issue.closed").actor == staff
    page = office.get(page_of(issue)).text
    assert re.search(r'<span class="badge ok">Closed</span>\s*<span class="quiet">since ', page)


def test_reopening_a_closed_request_clears_when_it_was_closed(office, staff, issue):
    in_status(issue, Status.CLOSED)

    response = office.post(button("reopen", issue))

    assert messages_of(response) == ["“Dead hedge” is open again."]
    issue.refresh_from_db()
    assert (issue.status, issue.closed_at) == (Status.OPEN, None)
    assert AuditEntry.objects.get(action="issue.reopened").actor == staff


def test_reopening_an_open_request_is_refused(office, issue):
    response = office.post(button("reopen", issue))

    assert messages_of(response) == ["“Dead hedge” is open, so it can't be reopened."]
    assert not AuditEntry.objects.exists()


def test_switching_include_client_on_is_audited(office, staff, issue):
    response = office.post(button("include-client", issue), {"include": "on"})

    assert messages_of(response) == [
        "Include Client is now on: the customer sees “Dead hedge” and its Public replies "
        "in the portal."
    ]
    issue.refresh_from_db()
    assert issue.include_client
    assert AuditEntry.objects.get(action="issue.include_client_on").actor == staff


def test_switching_include_client_off_takes_the_request_out_of_the_portal(office, staff, issue):
    Issue.objects.filter(pk=issue.pk).update(include_client=True)

    response = office.post(button("include-client", issue), {"include": "off"})

    assert messages_of(response) == [
        "Include Client is now off: “Dead hedge” is no longer shown in the portal."
    ]
    issue.refresh_from_db()
    assert not issue.include_client
    assert AuditEntry.objects.get(action="issue.include_client_off").actor == staff


def test_include_client_already_as_asked_is_news_not_an_error(office, issue):
    Issue.objects.filter(pk=issue.pk).update(include_client=True)

    response = office.post(button("include-client", issue))

    [message] = get_messages(response.wsgi_request)
    assert (message.level_tag, str(message)) == (
        "info",
        "“Dead hedge” already has Include Client checked.",
    )
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("name", BUTTONS)
def test_every_button_answers_404_for_a_request_that_does_not_exist(office, name):
    assert office.post(button(name, Issue(pk=999999))).status_code == 404
