"""The workspace never links to the raw data (Django's admin under /admin/):
staff work on the office's own pages, and only a superuser who types the
address reaches the rows as stored."""

import pytest
from django.urls import reverse

from trellis.accounts.invitations import contact_invite
from trellis.testing.factories import ContactFactory
from trellis.tests.security_world import office_own_urls, office_patterns


def methods_of(pattern):
    return getattr(pattern.callback, "office_methods", ())


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def office(client, staff):
    """Jane, a superuser, signed in to the office."""
    client.force_login(staff)
    return client


def test_no_office_page_links_to_the_raw_data(office):
    pages = {name for name, pattern in office_patterns() if "GET" in methods_of(pattern)}
    linking = []
    for name, url in office_own_urls():
        if name not in pages:
            continue
        response = office.get(url)
        if response.streaming:  # a photo or a download: read to the end, which closes it
            b"".join(response.streaming_content)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        if 'href="/admin' in response.content.decode() or 'action="/admin' in response.text:
            linking.append(name)
    assert linking == []


def test_an_email_is_about_its_record_on_the_office_page(office, staff):
    james = ContactFactory(first_name="James", last_name="Oconnor", email="james@example.com")
    invitation = contact_invite(contact=james, invited_by=staff)

    page = office.get(reverse("office:email", kwargs={"email_id": invitation.email_id})).text

    contact_page = reverse("office:contact", kwargs={"contact_id": james.pk})
    assert f'href="{contact_page}"' in page
    assert "Invitation of James Oconnor" in page
