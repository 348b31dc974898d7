import pytest
import time_machine

from trellis.portal.tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_session_ends_after_the_idle_timeout(client, alice, settings):
    settings.SESSION_IDLE_MINUTES = 30
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        sign_in(client, "alice@example.com")
    with time_machine.travel("2026-11-25 10:29Z", tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel("2026-11-25 10:58Z", tick=False):
        assert client.get("/").status_code == 200  # 29 minutes since the last request
    with time_machine.travel("2026-11-25 11:29Z", tick=False):
        assert client.get("/").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, alice, settings):
    settings.SESSION_IDLE_MINUTES = 60
    settings.SESSION_MAX_HOURS = 2
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        sign_in(client, "alice@example.com")
    for minute in (30, 60, 90):
        with time_machine.travel(f"2026-11-25 {10 + minute // 60}:{minute % 60:02d}Z", tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel("2026-11-25 12:00:01Z", tick=False):
        assert client.get("/").status_code == 302


def test_sessions_are_kept_on_the_server(client, alice):
    from django.contrib.sessions.models import Session

    sign_in(client, "alice@example.com")
    assert Session.objects.filter(session_key=client.session.session_key).exists()
