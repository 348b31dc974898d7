"""Staff open a request for a customer who phoned (office:request-add): find the
property, say what it is about, choose Include Client."""

import pytest
from django.urls import reverse

from trellis.audit.models import AuditEntry
from trellis.customers.models import Property
from trellis.issues.models import Issue
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.requests_world import page_of, staff_with
from trellis.testing.factories import PropertyFactory

pytestmark = pytest.mark.django_db

ADD = reverse("office:request-add")


def test_staff_find_the_property_by_its_name_or_street(office):
    oak = PropertyFactory(name="Oak House", street="12 Oak Lane")
    PropertyFactory(name="Maple Court")

    response = office.get(ADD, {"q": "oak lane"})

    assert response.context["found"] == [oak]
    assert f'href="?property={oak.pk}"' in response.text


def test_a_search_that_finds_nothing_says_so(office):
    assert "No property matches “nowhere”." in office.get(ADD, {"q": "nowhere"}).text


def test_a_request_opened_by_staff_is_raised_by_them_and_audited(office, staff):
    oak = PropertyFactory(name="Oak House")
    assert "Oak House" in office.get(ADD, {"property": oak.pk}).text

    response = office.post(
        ADD,
        {"property": oak.pk, "subject": "Fallen branch", "description": "Phoned at 9."},
    )

    issue = Issue.objects.get()
    assert response["Location"] == page_of(issue)
    assert (issue.property, issue.subject, issue.description) == (
        oak,
        "Fallen branch",
        "Phoned at 9.",
    )
    assert issue.created_by_user == staff
    assert not issue.include_client  # the box was left unticked
    entry = AuditEntry.objects.get(action="issue.opened_by_staff")
    assert entry.actor == staff
    assert not OutgoingEmail.objects.exists()


def test_include_client_is_ticked_to_start_with_and_kept(office):
    oak = PropertyFactory()
    assert 'id="id_include_client" checked' in office.get(ADD, {"property": oak.pk}).text

    office.post(ADD, {"property": oak.pk, "subject": "Gate", "include_client": "on"})

    assert Issue.objects.get().include_client


def test_a_request_without_a_subject_shows_the_form_again_with_what_was_typed(office):
    oak = PropertyFactory()

    response = office.post(ADD, {"property": oak.pk, "subject": "", "description": "Phoned."})

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "Phoned.</textarea>" in response.text
    assert not Issue.objects.exists()


def test_a_property_that_does_not_exist_is_refused(office):
    response = office.post(ADD, {"property": 999999, "subject": "Gate"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not Issue.objects.exists()


def test_opening_a_request_needs_permission_to_add_requests(client):
    client.force_login(staff_with("view_issue", "change_issue"))

    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"property": PropertyFactory().pk, "subject": "x"}).status_code == 403
    assert not Issue.objects.exists()


def test_the_search_asks_the_same_queries_however_many_properties_match(office):
    def add_rows(n):
        Property.objects.bulk_create(PropertyFactory.build_batch(n, name="Oak"))

    assert_queries_do_not_grow(office, f"{ADD}?q=oak", add_rows=add_rows)
