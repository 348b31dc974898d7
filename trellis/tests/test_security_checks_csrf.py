"""Security check 8: a POST without a CSRF token to every state-changing URL
returns 403. Every URL is tried, so a view marked csrf_exempt anywhere is found."""

import pytest
from django.test import Client

from trellis.tests.security_world import office_urls, portal_patterns, portal_url, portal_world

pytestmark = pytest.mark.django_db

CSRF_FAILURE = b"CSRF"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def not_refused(client, urls):
    answers = {url: client.post(url, {"anything": "1"}) for url in urls}
    return {
        url: response.status_code
        for url, response in answers.items()
        if response.status_code != 403 or CSRF_FAILURE not in response.content
    }


def test_check_8_every_portal_url_refuses_a_post_without_a_csrf_token(alice):
    world = portal_world(alice.contact)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    urls = [portal_url(pattern, world) for pattern in portal_patterns()]
    urls += ["/i18n/setlang/"]

    assert len(urls) > 30
    assert not_refused(browser, urls) == {}
    assert not_refused(Client(enforce_csrf_checks=True), urls) == {}  # signed out alike


def test_check_8_every_office_url_custom_buttons_included_refuses_a_post_without_a_token(staff):
    urls = [url for _name, url in office_urls()]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    assert len(urls) > 80
    assert not_refused(browser, urls) == {}
