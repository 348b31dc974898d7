import io
import json
import logging
import time

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.passwords import WrongPassword
from trellis.accounts.two_factor import (
    MUST_USE_PERMISSIONS,
    TwoFactorRefused,
    recovery_codes_left,
    recovery_codes_regenerate,
    totp_code_now,
    totp_device_confirm,
    totp_device_pending,
    two_factor_devices_remove,
    two_factor_enabled,
    two_factor_required,
    two_factor_turn_off,
    two_factor_verify,
)
from trellis.audit.models import AuditEntry
from trellis.testing.factories import DEFAULT_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


def staff_with(*permissions):
    user = StaffFactory()
    for perm in permissions:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached


def code_now(device):
    device.refresh_from_db()
    return totp_code_now(device)


def enabled_for(user):
    """The user's app set up through the service, and the recovery codes it showed."""
    device = totp_device_pending(user=user)
    return totp_device_confirm(user=user, code=code_now(device))


def actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_superusers_must_use_two_factor():
    assert two_factor_required(StaffFactory(is_superuser=True))


@pytest.mark.parametrize(
    "permission",
    ["billing.change_invoice", "billing.add_payment", "accounts.change_user", "auth.change_group"],
)
def test_staff_who_may_change_money_or_users_must_use_two_factor(permission):
    assert two_factor_required(staff_with(permission))


def test_a_permission_held_through_a_group_counts_too():
    group = Group.objects.create(name="Accounts")
    group.permissions.add(Permission.objects.get(codename="delete_paymentmethod"))
    user = StaffFactory()
    user.groups.add(group)

    assert two_factor_required(type(user).objects.get(pk=user.pk))


def test_staff_who_may_only_look_need_not_use_it():
    viewer = staff_with(
        "billing.view_invoice", "customers.view_contact", "customers.change_contact"
    )

    assert not two_factor_required(viewer)


def test_customers_never_must_use_it(alice):
    assert not two_factor_required(alice)


def test_every_permission_on_the_list_exists():
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert MUST_USE_PERMISSIONS - existing == set()


def test_the_set_up_key_stays_the_same_until_it_is_confirmed(staff):
    first = totp_device_pending(user=staff)

    assert totp_device_pending(user=staff).key == first.key
    assert not two_factor_enabled(staff)


def test_setting_up_refuses_a_wrong_code(staff):
    totp_device_pending(user=staff)

    with pytest.raises(TwoFactorRefused, match="not correct"):
        totp_device_confirm(user=staff, code="000000")

    assert not two_factor_enabled(staff)
    assert actions() == ["two_factor.failed"]


def test_setting_up_with_the_apps_code_turns_it_on_with_ten_recovery_codes(staff):
    enabled = enabled_for(staff)

    assert two_factor_enabled(staff)
    assert enabled.device.confirmed
    assert len(enabled.recovery_codes) == 10
    assert len(set(enabled.recovery_codes)) == 10
    assert recovery_codes_left(user=staff) == 10
    assert actions() == ["two_factor.enabled"]


def test_a_new_phone_replaces_the_old_one_only_once_confirmed(staff):
    old = enabled_for(staff).device
    new = totp_device_pending(user=staff)
    assert new.pk != old.pk
    assert two_factor_enabled(staff)  # the old app still works meanwhile

    totp_device_confirm(user=staff, code=code_now(new))

    assert list(TOTPDevice.objects.filter(user=staff).values_list("pk", flat=True)) == [new.pk]


def test_a_code_from_the_app_signs_in_once(staff):
    device = enabled_for(staff).device
    with time_machine.travel(time.time() + 90, tick=False):
        code = code_now(device)

        assert two_factor_verify(user=staff, code=code).device == device
        with pytest.raises(TwoFactorRefused):
            two_factor_verify(user=staff, code=code)


def test_the_code_of_the_step_before_is_still_accepted(staff):
    device = enabled_for(staff).device
    with time_machine.travel(time.time() + 300, tick=False):
        code = code_now(device)
    with time_machine.travel(time.time() + 330, tick=False):
        assert two_factor_verify(user=staff, code=code).device == device


def test_a_code_from_long_ago_is_refused(staff):
    device = enabled_for(staff).device
    with time_machine.travel(time.time() + 60, tick=False):
        code = code_now(device)
    with time_machine.travel(time.time() + 600, tick=False), pytest.raises(TwoFactorRefused):
        two_factor_verify(user=staff, code=code)


def test_after_a_wrong_code_the_device_makes_you_wait_even_for_the_right_one(staff):
    device = enabled_for(staff).device
    start = time.time() + 120
    with time_machine.travel(start, tick=False):
        with pytest.raises(TwoFactorRefused, match="not correct"):
            two_factor_verify(user=staff, code="000000")
        with pytest.raises(TwoFactorRefused, match="Too many wrong codes"):
            two_factor_verify(user=staff, code=code_now(device))
    with time_machine.travel(start + 2, tick=False):
        assert two_factor_verify(user=staff, code=code_now(device)).device == device
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_each_wrong_code_doubles_the_wait(staff):
    enabled_for(staff)
    start = time.time() + 120
    for failures, at in enumerate((0, 1.5, 4, 8.5), start=1):
        with time_machine.travel(start + at, tick=False), pytest.raises(TwoFactorRefused):
            two_factor_verify(user=staff, code="000000")
        assert TOTPDevice.objects.get(user=staff).throttling_failure_count == failures


def test_a_recovery_code_signs_in_once(staff):
    code = enabled_for(staff).recovery_codes[0]

    verified = two_factor_verify(user=staff, code=code.upper())

    assert verified.recovery_code
    assert verified.recovery_codes_left == 9
    assert isinstance(verified.device, StaticDevice)
    with pytest.raises(TwoFactorRefused):
        two_factor_verify(user=staff, code=code)
    assert "two_factor.recovery_code_used" in actions()


def test_recovery_codes_are_kept_only_as_digests(staff):
    codes = enabled_for(staff).recovery_codes
    kept = set(StaticToken.objects.values_list("token", flat=True))

    assert len(kept) == 10
    assert not kept & {c for code in codes for c in (code, code.replace("-", ""))}


def test_new_recovery_codes_void_the_old_ones(staff):
    old = enabled_for(staff).recovery_codes

    new = recovery_codes_regenerate(user=staff)

    assert not set(old) & set(new)
    start = time.time()
    with time_machine.travel(start, tick=False), pytest.raises(TwoFactorRefused):
        two_factor_verify(user=staff, code=old[0])
    with time_machine.travel(start + 2, tick=False):  # past the wait a wrong code costs
        assert two_factor_verify(user=staff, code=new[0]).recovery_code


def test_recovery_codes_need_the_app_set_up_first(staff):
    with pytest.raises(TwoFactorRefused, match="Set up"):
        recovery_codes_regenerate(user=staff)


def test_a_customer_turns_it_off_with_their_password(alice):
    enabled_for(alice)

    with pytest.raises(WrongPassword):
        two_factor_turn_off(user=alice, password="not it")
    assert two_factor_enabled(alice)

    two_factor_turn_off(user=alice, password=DEFAULT_PASSWORD)
    assert not two_factor_enabled(alice)
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert actions()[-1] == "two_factor.disabled"


def test_staff_who_must_use_it_cannot_turn_it_off(staff):
    enabled_for(staff)

    with pytest.raises(TwoFactorRefused, match="must use"):
        two_factor_turn_off(user=staff, password=DEFAULT_PASSWORD)
    assert two_factor_enabled(staff)


def test_support_removing_the_devices_is_recorded_with_who_did_it(staff, alice):
    enabled_for(alice)

    two_factor_devices_remove(user=alice, actor=staff)

    entry = AuditEntry.objects.get(action="two_factor.disabled")
    assert (entry.actor, entry.target_id, entry.data) == (
        staff,
        str(alice.pk),
        {"by_support": True},
    )


def test_failures_are_audited_and_logged_without_the_code(staff, caplog):
    enabled_for(staff)
    caplog.set_level(logging.INFO, logger="trellis.security")

    with pytest.raises(TwoFactorRefused):
        two_factor_verify(user=staff, code="123456")

    entry = AuditEntry.objects.get(action="two_factor.failed")
    assert entry.data == {"step": "sign_in", "method": "app", "outcome": "wrong_code"}
    [line] = [json.loads(r.message) for r in caplog.records if "two_factor.failed" in r.message]
    assert (line["user_id"], line["outcome"]) == (staff.pk, "wrong_code")
    assert "123456" not in caplog.text


def test_totp_code_prints_a_code_the_device_accepts(staff, settings):
    settings.DEBUG = True
    enabled_for(staff)
    with time_machine.travel(time.time() + 60, tick=False):
        out = io.StringIO()
        call_command("totp_code", staff.email.upper(), stdout=out)

        assert two_factor_verify(user=staff, code=out.getvalue().strip())


def test_totp_code_refuses_to_run_unless_debug_is_on(staff, settings):
    settings.DEBUG = False
    enabled_for(staff)

    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("totp_code", staff.email, stdout=io.StringIO())
