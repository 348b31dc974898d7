import re
import time

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.two_factor import totp_code_now, totp_device_confirm, totp_device_pending
from trellis.audit.models import AuditEntry
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

HOME = reverse("office:home")
INVOICES = reverse("office:invoices")
SIGN_IN = reverse("office:sign-in")
SIGN_OUT = reverse("office:sign-out")
VERIFY = reverse("office-two-factor:verify")
SET_UP = reverse("office-two-factor:set-up")
RECOVERY = reverse("office-two-factor:recovery-codes")
BACK_TO_INVOICES = urlencode({"next": INVOICES})


def staff_with(*codenames, email="sam@greenway.example"):
    user = StaffFactory(email=email, first_name="Sam")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def clerk(db):
    """Sam: a staff member who may change invoices (money), and nothing else."""
    return staff_with("view_invoice", "change_invoice")


def code_now(device):
    device.refresh_from_db()
    return totp_code_now(device)


def app_of(user):
    """Set up the user's authenticator app; its device and recovery codes."""
    enabled = totp_device_confirm(user=user, code=code_now(totp_device_pending(user=user)))
    return enabled.device, enabled.recovery_codes


def signed_in_with_password(client, user):
    response = client.post(SIGN_IN, {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content
    assert client.session["_auth_user_id"] == str(user.pk)
    return client


def test_staff_who_may_change_money_with_no_app_are_sent_to_set_up(client, clerk, password_only):
    client.force_login(clerk)

    response = client.get(INVOICES)

    assert response.status_code == 302
    assert response.url == f"{SET_UP}?{BACK_TO_INVOICES}"
    assert client.get(HOME).url.startswith(SET_UP)
    assert client.get(VERIFY).url.startswith(SET_UP)


def test_the_set_up_page_shows_the_qr_code_inline_and_the_key_as_text(client, clerk, password_only):
    client.force_login(clerk)

    page = client.get(SET_UP).content.decode()

    assert re.search(r'<div class="qr"><svg role="img" aria-label="Scan this[^"]*"', page)
    key = TOTPDevice.objects.get(user=clerk, confirmed=False).key
    assert re.search(r'<code id="totp-key">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>', page)
    assert key not in page  # the hex key is never shown, only its base32 form for apps
    assert "<script>" not in page and "<img" not in page.split('<div class="qr">')[1][:200]
    assert "must use two-factor sign-in" in page


def test_setting_up_the_app_shows_the_recovery_codes_once_and_opens_the_office(
    client, clerk, password_only
):
    client.force_login(clerk)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=clerk)

    response = client.post(SET_UP, {"code": code_now(device)})

    assert response.status_code == 200
    codes = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.content.decode()
    )
    assert len(codes) == 10
    assert "only time these codes are shown" in response.content.decode()
    assert client.get(INVOICES).status_code == 200
    assert codes[0] not in client.get(RECOVERY).content.decode()


def test_a_wrong_code_at_set_up_is_refused(client, clerk, password_only):
    client.force_login(clerk)
    client.get(SET_UP)

    response = client.post(SET_UP, {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not correct" in response.content.decode()
    assert client.get(INVOICES).url.startswith(SET_UP)


def test_staff_with_an_app_who_gave_only_the_password_are_asked_for_the_code(client, clerk):
    app_of(clerk)
    signed_in_with_password(client, clerk)

    response = client.get(INVOICES)

    assert response.status_code == 302
    assert response.url == f"{VERIFY}?{BACK_TO_INVOICES}"
    assert client.get(SET_UP).url.startswith(VERIFY)
    assert client.get(RECOVERY).url.startswith(VERIFY)


def test_the_right_code_opens_the_office_and_goes_on_to_the_page_asked_for(client, clerk):
    device, _codes = app_of(clerk)
    signed_in_with_password(client, clerk)
    session_before = client.session.session_key

    with time_machine.travel(time.time() + 60, tick=False):
        response = client.post(f"{VERIFY}?next={INVOICES}", {"code": code_now(device)})

    assert response.status_code == 302
    assert response.url == INVOICES
    assert client.session.session_key != session_before
    assert client.get(INVOICES).status_code == 200
    assert AuditEntry.objects.filter(action="two_factor.verified", actor=clerk).exists()


def test_a_wrong_code_is_refused_and_the_office_stays_closed(client, clerk):
    app_of(clerk)
    signed_in_with_password(client, clerk)

    response = client.post(VERIFY, {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not correct" in response.content.decode()
    assert client.get(INVOICES).url.startswith(VERIFY)
    assert AuditEntry.objects.filter(action="two_factor.failed", actor=clerk).exists()


def test_the_code_page_goes_nowhere_but_this_site(client, clerk):
    device, _codes = app_of(clerk)
    signed_in_with_password(client, clerk)

    with time_machine.travel(time.time() + 60, tick=False):
        response = client.post(f"{VERIFY}?next=https://evil.example/", {"code": code_now(device)})

    assert response.url == HOME


def test_a_recovery_code_opens_the_office_once(client, clerk):
    _device, codes = app_of(clerk)
    signed_in_with_password(client, clerk)

    response = client.post(VERIFY, {"code": codes[0]}, follow=True)

    assert response.redirect_chain[0] == (HOME, 302)
    assert "Recovery codes left: 9" in response.content.decode()
    assert client.get(INVOICES).status_code == 200

    client.post(SIGN_OUT)
    signed_in_with_password(client, clerk)
    with time_machine.travel(time.time() + 5, tick=False):  # past any wait
        assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert client.get(INVOICES).url.startswith(VERIFY)


def test_staff_who_may_only_view_are_not_asked_for_a_second_factor(client, password_only):
    viewer = staff_with("view_invoice", "view_contact")
    client.force_login(viewer)

    assert client.get(INVOICES).status_code == 200
    assert client.get(VERIFY).url == HOME


def test_staff_who_need_not_use_it_may_still_set_it_up(client, password_only):
    viewer = staff_with("view_invoice")
    client.force_login(viewer)
    client.get(SET_UP)

    response = client.post(SET_UP, {"code": code_now(TOTPDevice.objects.get(user=viewer))})

    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=viewer).confirmed


def test_signing_out_stays_open_while_the_code_is_asked_for(client, clerk):
    app_of(clerk)
    signed_in_with_password(client, clerk)

    response = client.post(SIGN_OUT)

    assert response.status_code == 302
    assert response.url == SIGN_IN
    assert "_auth_user_id" not in client.session


def test_recovery_codes_can_be_made_anew_in_the_office(office, staff):
    response = office.post(RECOVERY)

    codes = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.content.decode()
    )
    assert len(codes) == 10
    assert "10 recovery codes left" in office.get(RECOVERY).content.decode()


def test_a_superuser_removes_a_lost_phone_and_the_owner_sets_it_up_again(office, staff, clerk):
    device, _codes = app_of(clerk)
    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    assert device.key not in office.get(change).content.decode()

    response = office.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert not StaticDevice.objects.filter(user=clerk).exists()
    entry = AuditEntry.objects.get(action="two_factor.disabled")
    assert (entry.actor, entry.target_id) == (staff, str(clerk.pk))

    sam = signed_in_with_password(type(office)(), clerk)
    assert sam.get(INVOICES).url.startswith(SET_UP)


def test_staff_who_are_not_superusers_cannot_remove_a_device(client, staff):
    device, _codes = app_of(staff)
    client.force_login(
        staff_with("view_totpdevice", "delete_totpdevice", email="kim@greenway.example")
    )

    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])

    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert TOTPDevice.objects.filter(user=staff).exists()


def test_a_superuser_finds_a_customers_device_by_their_contacts_email(office, alice):
    app_of(alice)

    devices = reverse("admin:otp_totp_totpdevice_changelist")
    page = office.get(devices, {"q": "alice@example"}).content.decode()

    assert "alice@example.com" in page


def test_every_office_page_links_to_the_staff_members_two_factor_page(client, staff):
    client.force_login(staff)
    assert f'href="{RECOVERY}"' in client.get(HOME).text
    assert f'href="{RECOVERY}"' in client.get(INVOICES).text
    assert client.get(RECOVERY).status_code == 200
