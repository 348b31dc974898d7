import logging
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.staff_passwords import staff_password_link_send
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.settings_world import staff_holding
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory
from trellis.testing.mail import link_in, path_of

pytestmark = pytest.mark.django_db

FORGOT = reverse("office:password-forgot")
SIGN_IN = reverse("office:sign-in")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
NEW = "a long new password for the office"
GONE = "This link to set a password no longer works."


@pytest.fixture
def sam(db):
    """Sam: a crew lead with a password of his own."""
    return StaffFactory(first_name="Sam", last_name="Reyes", email="sam@greenway.example")


@pytest.fixture
def sams_link(staff, sam):
    """The path of a set-password link Jane sent Sam."""
    return path_of(link_in(staff_password_link_send(user=sam, sent_by=staff).email))


def new_password(again: str = NEW) -> dict[str, str]:
    return {"new_password": NEW, "new_password_again": again}


# --- Forgot your password? -----------------------------------------------------


def test_the_sign_in_page_links_to_forgot_your_password(client):
    assert f'href="{FORGOT}"' in client.get(SIGN_IN).text


def test_forgot_password_answers_the_same_whatever_was_typed(client, sam, alice):
    typed = ["sam@greenway.example", "nobody@greenway.example", "alice@example.com"]
    answers = [client.post(FORGOT, {"email": email}) for email in typed]

    assert {a.status_code for a in answers} == {200}
    pairs = zip(answers, typed, strict=True)
    texts = {CSRF.sub("", a.text).replace(email, "X") for a, email in pairs}
    assert len(texts) == 1
    assert [e.to_address for e in OutgoingEmail.objects.all()] == ["sam@greenway.example"]


def test_forgot_password_is_throttled_with_the_same_answer(client, sam):
    answers = [client.post(FORGOT, {"email": "sam@greenway.example"}) for _ in range(4)]

    assert len({CSRF.sub("", a.text) for a in answers}) == 1
    assert OutgoingEmail.objects.count() == 3
    throttled = AccessAttempt.objects.filter(result=AccessAttempt.Result.THROTTLED)
    assert list(throttled.values_list("side", flat=True)) == ["office"]


def test_forgot_password_needs_an_email(client):
    response = client.post(FORGOT, {"email": "not an email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert not AccessAttempt.objects.exists()


# --- The link's page -----------------------------------------------------------


def test_opening_the_link_shows_the_form_and_uses_nothing_up(client, sam, sams_link):
    for _ in range(2):  # a mail scanner first, then Sam
        response = client.get(sams_link)
        assert response.status_code == 200
        assert 'name="new_password"' in response.text
        assert "sam@greenway.example" in response.text
    assert AccessToken.objects.get(user=sam).state == AccessToken.State.PENDING


def test_setting_the_password_signs_nobody_in_and_sends_them_to_sign_in(client, sam, sams_link):
    response = client.post(sams_link, new_password(), follow=True)

    assert response.redirect_chain == [(SIGN_IN, 302)]
    assert "Your password is set. Sign in with it." in response.text
    assert SESSION_KEY not in client.session
    sam.refresh_from_db()
    assert sam.check_password(NEW)
    assert AccessToken.objects.get(user=sam).state == AccessToken.State.USED
    assert Client().post(SIGN_IN, {"username": sam.email, "password": NEW}).status_code == 302


def test_setting_the_password_ends_sams_other_sessions(client, sam, sams_link):
    elsewhere = Client()
    elsewhere.force_login(sam)
    client.post(sams_link, new_password())
    assert elsewhere.get(reverse("office:home"))["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize(
    ("password", "again", "says"),
    [
        ("qz7Kp2", "qz7Kp2", "This password is too short."),
        ("password123", "password123", "This password is too common."),
        (NEW, "something else entirely", "The two new passwords are not the same."),
    ],
    ids=["too short", "too common", "not the same"],
)
def test_a_password_refused_keeps_nothing_typed_and_the_link_usable(
    client, sam, sams_link, password, again, says
):
    response = client.post(sams_link, {"new_password": password, "new_password_again": again})

    assert response.status_code == 200
    assert says in response.text
    assert password not in response.text and again not in response.text
    assert AccessToken.objects.get(user=sam).state == AccessToken.State.PENDING
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_a_used_link_gets_the_plain_page_that_says_how_to_get_a_new_one(client, sams_link):
    client.post(sams_link, new_password())
    for response in (client.get(sams_link), client.post(sams_link, new_password())):
        assert response.status_code == 404
        assert GONE in response.text
        assert f'href="{FORGOT}"' in response.text


def test_an_expired_replaced_or_unknown_link_gets_the_same_page(client, staff, sam):
    with time_machine.travel("2026-11-02 09:00Z", tick=False):
        expired = path_of(link_in(staff_password_link_send(user=sam, sent_by=staff).email))
        replaced = path_of(link_in(staff_password_link_send(user=sam, sent_by=staff).email))
        staff_password_link_send(user=sam, sent_by=staff)
    unknown = reverse("office:password-set", args=["x" * 43])
    with time_machine.travel("2026-11-02 09:30Z", tick=False):
        answers = [client.get(path) for path in (replaced, unknown)]
    with time_machine.travel("2026-11-02 12:00Z", tick=False):
        answers.append(client.get(expired))
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.text for a in answers}) == 1


def test_posting_many_links_that_do_not_work_is_throttled(client, settings):
    settings.BAD_LINKS_PER_IP_PER_HOUR = 2
    unknown = reverse("office:password-set", args=["x" * 43])
    answers = [client.post(unknown, new_password()).status_code for _ in range(3)]
    assert answers == [404, 404, 429]


def test_a_staff_member_held_at_two_factor_can_still_open_the_link(
    client, staff, sams_link, password_only
):
    client.force_login(staff)  # Jane must set up her app before any office page
    assert client.get(reverse("office:home"))["Location"].startswith("/office/two-factor/")
    assert client.get(sams_link).status_code == 200
    assert client.get(FORGOT).status_code == 200


def test_the_token_never_reaches_a_log_record(client, caplog, sams_link):
    caplog.set_level(logging.DEBUG)
    token = sams_link.rstrip("/").rsplit("/", 1)[1]
    client.post(sams_link, new_password())
    assert client.get(sams_link).status_code == 404  # Django logs "Not Found: <path>"
    assert "Not Found" in caplog.text
    logged = caplog.text + " ".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert token not in logged


# --- The staff member's page ---------------------------------------------------


def page_of(member) -> str:
    return reverse("office:staff-member", kwargs={"user_id": member.pk})


def button_of(member) -> str:
    return reverse("office:staff-member-password-link", kwargs={"user_id": member.pk})


def test_who_may_change_staff_sees_the_button_and_it_emails_a_link(client, sam):
    manager = staff_holding("accounts.view_user", "accounts.change_user")
    client.force_login(manager)
    assert "Send a link to set a new password" in client.get(page_of(sam)).text

    response = client.post(button_of(sam), follow=True)

    assert response.redirect_chain == [(page_of(sam), 302)]
    assert "We emailed Sam Reyes a link to set a new password." in response.text
    [email] = OutgoingEmail.objects.all()
    assert email.to_address == "sam@greenway.example"
    assert 'type="password"' not in response.text
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_who_may_only_see_staff_has_no_button_and_its_post_is_refused(client, sam):
    client.force_login(staff_holding("accounts.view_user"))
    assert "Send a link to set a new password" not in client.get(page_of(sam)).text
    assert client.post(button_of(sam)).status_code == 403
    assert not OutgoingEmail.objects.exists()


def test_a_deactivated_staff_member_is_sent_no_link(office, sam):
    sam.is_active = False
    sam.save()
    assert "Send a link to set a new password" not in office.get(page_of(sam)).text
    response = office.post(button_of(sam), follow=True)
    assert "Sam Reyes is deactivated" in response.text
    assert not OutgoingEmail.objects.exists()
