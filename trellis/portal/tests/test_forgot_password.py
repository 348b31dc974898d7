import json
import logging
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.passwords import password_reset_send
from trellis.mail.models import OutgoingEmail
from trellis.portal.tests.conftest import sign_in
from trellis.testing.factories import ContactFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
NEW = "a brand new password"


def ask_for_reset(client, email):
    return client.post("/forgot-password/", {"email": email})


def reset_path():
    return path_of(link_in(OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)))


def test_the_answer_is_the_same_whether_or_not_the_email_is_known(client, alice):
    ContactFactory(email="invited.only@example.com")
    answers = [
        ask_for_reset(client, "alice@example.com"),
        ask_for_reset(client, "nobody@example.com"),
        ask_for_reset(client, "invited.only@example.com"),
    ]
    texts = [
        CSRF.sub("", a.content.decode()).replace(email, "X")
        for a, email in zip(
            answers,
            ["alice@example.com", "nobody@example.com", "invited.only@example.com"],
            strict=True,
        )
    ]
    assert {a.status_code for a in answers} == {200}
    assert texts[0] == texts[1] == texts[2]
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 1


def test_the_link_goes_to_the_stored_email_not_the_string_typed(client, alice):
    ask_for_reset(client, "  ALICE@EXAMPLE.COM ")
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert email.to_address == "alice@example.com"
    assert email.contact == alice.contact


def test_forgot_password_requests_are_recorded_for_support(client, alice):
    ask_for_reset(client, "alice@example.com")
    ask_for_reset(client, "old.alice@example.com")
    assert list(
        AccessAttempt.objects.filter(kind="password_reset")
        .order_by("id")
        .values_list("email_tried", "result")
    ) == [("alice@example.com", "reset_sent"), ("old.alice@example.com", "no_account")]


def test_opening_the_link_uses_nothing_up(client, alice):
    ask_for_reset(client, "alice@example.com")
    path = reset_path()
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert AccessToken.objects.get().used_at is None


def test_the_link_sets_a_new_password_once(client, alice):
    ask_for_reset(client, "alice@example.com")
    path = reset_path()

    response = client.post(path, {"new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert sign_in(client, "alice@example.com", NEW).status_code == 302

    again = client.post(
        path, {"new_password": "yet another password", "new_password_again": "yet another password"}
    )
    assert again.status_code == 404
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_the_link_expires_after_an_hour(client, alice):
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        ask_for_reset(client, "alice@example.com")
        path = reset_path()
    with time_machine.travel("2026-11-25 11:00:01Z", tick=False):
        response = client.post(path, {"new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 404
    alice.refresh_from_db()
    assert not alice.check_password(NEW)


def test_the_expiry_is_configurable(client, alice, settings):
    settings.PASSWORD_RESET_LIFETIME_MINUTES = 10
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        ask_for_reset(client, "alice@example.com")
        path = reset_path()
    with time_machine.travel("2026-11-25 10:11Z", tick=False):
        assert client.get(path).status_code == 404


def test_completing_a_reset_signs_the_account_out_everywhere(alice, alice_client):
    other = Client()
    ask_for_reset(other, "alice@example.com")
    other.post(reset_path(), {"new_password": NEW, "new_password_again": NEW})

    response = alice_client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_weak_new_password_is_refused_with_the_portals_message(client, alice):
    ask_for_reset(client, "alice@example.com")
    response = client.post(reset_path(), {"new_password": "123", "new_password_again": "123"})
    assert response.status_code == 200
    assert "Enter a valid password" in response.content.decode()
    assert AccessToken.objects.get().used_at is None


def test_staff_can_send_a_reset_link_but_never_see_the_password(alice, staff):
    token = password_reset_send(contact=alice.contact, sent_by=staff)
    assert token.created_by == staff
    assert token.email.to_address == "alice@example.com"


def test_resets_for_one_email_are_limited_per_hour(client, alice):
    for _ in range(5):
        ask_for_reset(client, "alice@example.com")
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 3
    assert SESSION_KEY not in client.session


def test_the_reset_email_is_in_the_contacts_language(client, alice):
    alice.contact.language = "es"
    alice.contact.save()
    ask_for_reset(client, "alice@example.com")
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert email.subject.startswith("Restablezca su contraseña")
    assert "Hola, Alice:" in email.body_text
    assert 'lang="es"' in email.body_html


def test_requests_from_one_address_are_limited_per_hour(alice, settings):
    settings.FORGOT_PASSWORD_PER_IP_PER_HOUR = 20
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        busy = Client(REMOTE_ADDR="198.51.100.23")
        for n in range(20):
            ask_for_reset(busy, f"someone{n}@example.com")
        refused = ask_for_reset(busy, "alice@example.com")
        assert refused.status_code == 200
        assert "Check your email" in refused.content.decode()
        assert not OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).exists()
        assert AccessAttempt.objects.filter(result="throttled").count() == 1

        ask_for_reset(Client(REMOTE_ADDR="198.51.100.24"), "alice@example.com")
        assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 1
    with time_machine.travel("2026-11-25 11:00:01Z", tick=False):
        ask_for_reset(busy, "alice@example.com")
        assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 2


def test_look_alike_spellings_of_an_email_share_the_per_email_limit(client, alice):
    for spelling in [
        "alice@example.com",
        "ALICE@example.com",
        "al\N{LATIN SMALL LETTER DOTLESS I}ce@example.com",
        "alice@\N{CYRILLIC SMALL LETTER IE}xample.com",
    ]:
        ask_for_reset(client, spelling)
    results = list(AccessAttempt.objects.order_by("id").values_list("result", flat=True))
    # The dotless spelling is not Alice's email (on either database), yet it
    # counts in her bucket: the fourth request is refused.
    assert results == ["reset_sent", "reset_sent", "no_account", "throttled"]


@pytest.fixture
def queued_tasks(settings):
    """Tasks are queued and not run, as with a worker (TASKS_BACKEND=database)."""
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return task_backends["default"]


def test_the_request_does_the_same_work_for_a_known_and_an_unknown_email(alice, queued_tasks):
    from trellis.accounts.tasks import password_reset_requested

    ask_for_reset(Client(), "warm.up@example.com")  # what a first request sets up once
    answers, queries = [], []
    for email in ["alice@example.com", "nobody@example.com"]:
        with CaptureQueriesContext(connection) as captured:
            answers.append(ask_for_reset(Client(), email))
        sql = [q["sql"].replace(email, "E") for q in captured.captured_queries]
        queries.append([re.sub(r"\d+", "N", q) for q in sql])

    assert queries[0] == queries[1]
    assert CSRF.sub("", answers[0].content.decode()).replace("alice@example.com", "X") == (
        CSRF.sub("", answers[1].content.decode()).replace("nobody@example.com", "X")
    )
    assert [r.task.name for r in queued_tasks.results] == ["password_reset_requested"] * 3
    assert set(AccessAttempt.objects.values_list("result", flat=True)) == {"received"}
    assert not OutgoingEmail.objects.exists()

    # The worker does what depends on who asked: only the known email gets one.
    for result in queued_tasks.results:
        password_reset_requested.call(*result.args, **result.kwargs)
    assert list(OutgoingEmail.objects.values_list("to_address", flat=True)) == ["alice@example.com"]
    assert sorted(AccessAttempt.objects.values_list("result", flat=True)) == [
        "no_account",
        "no_account",
        "reset_sent",
    ]


def test_a_request_handled_twice_sends_one_email(alice, queued_tasks):
    from trellis.accounts.tasks import password_reset_requested

    ask_for_reset(Client(), "alice@example.com")
    [result] = queued_tasks.results
    password_reset_requested.call(*result.args, **result.kwargs)
    password_reset_requested.call(*result.args, **result.kwargs)
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).count() == 1


def test_completing_a_reset_is_a_security_event(client, alice, caplog):
    ask_for_reset(client, "alice@example.com")
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        client.post(reset_path(), {"new_password": NEW, "new_password_again": NEW})
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "trellis.security"]
    assert [(e["event"], e["user_id"]) for e in events] == [("password.reset", alice.pk)]


# Someone guessing links: bad reset and invitation links posted from one address.


def post_link(client, path):
    return client.post(path, {"new_password": NEW, "new_password_again": NEW})


def test_bad_links_posted_from_one_address_are_throttled_for_an_hour(alice, settings):
    settings.BAD_LINKS_PER_IP_PER_HOUR = 20
    guesser = Client(REMOTE_ADDR="198.51.100.77")
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        for n in range(10):
            assert post_link(guesser, f"/reset/guess{n}/").status_code == 404
            assert post_link(guesser, f"/invitation/guess{n}/").status_code == 404
        ask_for_reset(Client(), "alice@example.com")
        path = reset_path()
        refused = post_link(guesser, path)
        assert refused.status_code == 429
        assert "Too many links that do not work" in refused.content.decode()
        assert post_link(guesser, "/invitation/guess-again/").status_code == 429
        # Others are not refused, and nothing is used up.
        assert AccessToken.objects.get(purpose="password_reset").used_at is None
        assert post_link(Client(REMOTE_ADDR="198.51.100.78"), "/reset/other/").status_code == 404
    with time_machine.travel("2026-11-25 11:00:01Z", tick=False):
        ask_for_reset(Client(), "alice@example.com")
        newest = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PASSWORD_RESET).latest("id")
        assert post_link(guesser, path_of(link_in(newest))).status_code == 302
    assert AccessAttempt.objects.filter(result="bad_link", ip_address="198.51.100.77").count() == 20


def test_opening_bad_links_is_neither_counted_nor_refused(alice, settings):
    settings.BAD_LINKS_PER_IP_PER_HOUR = 2
    scanner = Client(REMOTE_ADDR="198.51.100.79")
    for n in range(5):
        assert scanner.get(f"/reset/guess{n}/").status_code == 404
    assert not AccessAttempt.objects.filter(result="bad_link").exists()
