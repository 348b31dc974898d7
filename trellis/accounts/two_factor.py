"""Two-factor sign-in: a code from an authenticator app (TOTP) after the password.

Who must use it is decided here, once: superusers, and staff holding any
permission that changes money or users (MUST_USE_PERMISSIONS). Customers may
turn it on under User Profile. TwoFactorMiddleware (trellis/accounts/middleware.py)
enforces it on every request; the portal and the office only show the pages.

The devices are django-otp's: a confirmed `TOTPDevice` is the authenticator
app, and one `StaticDevice` holds the recovery codes. A recovery code is shown
once, works once, and is kept only as a digest, so a copy of the database does
not hold usable codes. Both devices throttle wrong codes themselves (each
failure doubles the wait, ThrottlingMixin); every outcome is audited and
logged as a security event.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

import qrcode
import qrcode.image.svg
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.models import User
from trellis.accounts.passwords import WrongPassword
from trellis.audit.services import audit_record
from trellis.security_log import security_event

# Holding any of these, a staff member must sign in with two factors: each one
# moves money, or changes who can sign in and what they may do.
MUST_USE_PERMISSIONS = frozenset(
    {
        "billing.add_invoice",
        "billing.change_invoice",
        "billing.delete_invoice",
        "billing.add_payment",
        "billing.change_payment",
        "billing.delete_payment",
        "billing.add_paymentmethod",
        "billing.change_paymentmethod",
        "billing.delete_paymentmethod",
        # Refunds give money back through the processor.
        "billing.add_paymentrefund",
        "billing.change_paymentrefund",
        "billing.delete_paymentrefund",
        # Charging many customers' saved methods at once.
        "bulk_charging.charge_in_bulk",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.delete_user",
        "auth.add_group",
        "auth.change_group",
        "auth.delete_group",
        "auth.add_permission",
        "auth.change_permission",
        "auth.delete_permission",
        # Removing someone's device turns their two-factor sign-in off.
        "otp_totp.add_totpdevice",
        "otp_totp.change_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.add_staticdevice",
        "otp_static.change_staticdevice",
        "otp_static.delete_staticdevice",
    }
)

RECOVERY_CODE_COUNT = 10
# Ten characters from 32 that cannot be confused (no 0/o, 1/l/i): 50 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

WRONG_CODE = _("That code is not correct. Check the code in your app and try again.")
CODE_THROTTLED = _("Too many wrong codes. Wait {seconds} seconds, then try again with a new code.")


class TwoFactorRefused(Exception):
    """A code was not accepted: the message says why, in words the person uses."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Verified:
    """A code that was accepted: the device that accepted it, and whether it was
    a recovery code (and how many of those are left)."""

    device: TOTPDevice | StaticDevice
    recovery_code: bool
    recovery_codes_left: int


@dataclass(frozen=True)
class Enabled:
    """An app just set up: its device, and the recovery codes to show once."""

    device: TOTPDevice
    recovery_codes: list[str]


# --- Who must use it, who has it -------------------------------------------------


def two_factor_required(user: Any) -> bool:
    """Whether this account may not use the office without a second factor."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return not MUST_USE_PERMISSIONS.isdisjoint(user.get_all_permissions())


def authenticator_apps() -> QuerySet[TOTPDevice]:
    """The authenticator apps set up (confirmed devices): one rule, for one
    account here and as an annotation of accounts (trellis.accounts.backends)."""
    return TOTPDevice.objects.filter(confirmed=True)


def two_factor_enabled(user: Any) -> bool:
    """Whether this account has an authenticator app set up (a confirmed device)."""
    if not user.is_authenticated:
        return False
    return authenticator_apps().filter(user_id=user.pk).exists()


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk).count()


# --- Setting it up ----------------------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The app this account is setting up: a device not confirmed yet, with its
    own new key. Opening the set-up page again shows the same key, so an app
    scanned a moment ago still matches; a confirmed device stays in use until
    the new one is confirmed (setting up a new phone)."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return pending


def totp_device_confirm(*, user: User, code: str) -> Enabled:
    """Confirm the pending device with a code from the app: it becomes the
    account's only authenticator app, and new recovery codes are made, to be
    shown once. TwoFactorRefused on a wrong code."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise TwoFactorRefused(str(_("Start again: open the set-up page to get a new key.")))
        refusal = _code_check(device, _digits(code))
        if refusal is None:
            replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
            replacing = replaced.exists()
            replaced.delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_replace(user=user)
            audit_record(
                action="two_factor.enabled", actor=user, target=user, data={"replaced": replacing}
            )
    # Refused outside the transaction: the device's count of failures must stay.
    if refusal is not None:
        _refuse(refusal, user=user, step="set_up", method="app")
    security_event("two_factor.enabled", user=user, outcome="success", replaced=replacing)
    return Enabled(device=device, recovery_codes=codes)


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for an account that has two-factor on; the old ones
    stop working. Returns the codes, to be shown once."""
    if not two_factor_enabled(user):
        raise TwoFactorRefused(str(_("Set up two-factor sign-in first.")))
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
        audit_record(action="two_factor.recovery_codes_regenerated", actor=user, target=user)
    security_event("two_factor.recovery_codes_regenerated", user=user, outcome="success")
    return codes


def two_factor_turn_off(*, user: User, password: str) -> None:
    """A customer turns two-factor off, confirming with their password. Staff
    who must use it cannot; the others may."""
    if two_factor_required(user):
        raise TwoFactorRefused(str(_("Your account must use two-factor sign-in.")))
    if not user.check_password(password):
        security_event("two_factor.disabled", user=user, outcome="wrong_password")
        raise WrongPassword
    two_factor_devices_remove(user=user, actor=user)


def two_factor_devices_remove(*, user: User, actor: User | None) -> None:
    """Remove the account's authenticator app and recovery codes: what support
    does for someone who lost their phone (through the office's device pages),
    and what turning it off does. Staff who must use it set it up again at
    their next page."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            action="two_factor.disabled",
            actor=actor,
            target=user,
            data={"by_support": actor is not None and actor.pk != user.pk},
        )
    security_event(
        "two_factor.disabled", user=user, outcome="success", actor_id=getattr(actor, "pk", None)
    )


# --- Signing in -------------------------------------------------------------------


def two_factor_verify(*, user: User, code: str) -> Verified:
    """Check a code typed at sign-in: six digits from the app (a step either
    side of now is accepted, django-otp's tolerance), or one of the recovery
    codes, which then stops working. The caller marks the session verified
    with the device returned (django_otp.login). TwoFactorRefused otherwise."""
    recovery = len(_normalized(code)) == RECOVERY_CODE_LENGTH
    method = "recovery_code" if recovery else "app"
    device: TOTPDevice | StaticDevice | None
    with transaction.atomic():
        if recovery:
            device = StaticDevice.objects.select_for_update().filter(user=user).first()
            token = _recovery_digest(code)
        else:
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            token = _digits(code)
        refusal = WRONG if device is None else _code_check(device, token)
        if refusal is None:
            left = recovery_codes_left(user=user)
            if recovery:
                audit_record(
                    action="two_factor.recovery_code_used",
                    actor=user,
                    target=user,
                    data={"codes_left": left},
                )
            audit_record(
                action="two_factor.verified", actor=user, target=user, data={"with": method}
            )
    # Refused outside the transaction: the device's count of failures must stay.
    if refusal is not None or device is None:
        _refuse(refusal or WRONG, user=user, step="sign_in", method=method)
    if recovery:
        security_event("two_factor.recovery_code_used", user=user, outcome="success", left=left)
    security_event("two_factor.verified", user=user, outcome="success", method=method)
    return Verified(device=device, recovery_code=recovery, recovery_codes_left=left)


WRONG = "wrong_code"


def _code_check(device: TOTPDevice | StaticDevice, token: str) -> str | None:
    """None if the device accepts the token; else why not: WRONG, or the
    seconds to wait while the device refuses to check codes after failures
    (its own throttle, which verify_token applies and counts)."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until: datetime | None = (details or {}).get("locked_until")
        wait = locked_until.timestamp() - time.time() if locked_until else 1
        return str(max(1, int(wait) + 1))
    return None if device.verify_token(token) else WRONG


def _refuse(refusal: str, *, user: User, step: str, method: str) -> NoReturn:
    throttled = refusal != WRONG
    outcome = "throttled" if throttled else "wrong_code"
    audit_record(
        action="two_factor.failed",
        actor=user,
        target=user,
        data={"step": step, "method": method, "outcome": outcome},
    )
    security_event("two_factor.failed", user=user, outcome=outcome, step=step, method=method)
    if throttled:
        seconds = int(refusal)
        raise TwoFactorRefused(
            ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then try again with a new code.",
                "Too many wrong codes. Wait %(seconds)d seconds, then try again with a new code.",
                seconds,
            )
            % {"seconds": seconds}
        )
    raise TwoFactorRefused(str(WRONG_CODE))


# --- Codes ------------------------------------------------------------------------


def totp_code_now(device: TOTPDevice) -> str:
    """The code the authenticator app shows now, or the next one if now's was
    used already (a code works once): for `trellis totp_code` in the demo."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def totp_key_text(device: TOTPDevice) -> str:
    """The key to type into an app that cannot scan, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_svg(device: TOTPDevice, *, label: str) -> str:
    """The device's set-up link as a QR code, inline SVG markup (no script, no
    image fetched from anywhere). `label` is its accessible name."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, border=2
    )
    svg: str = image.to_string(encoding="unicode")
    svg = re.sub(r'width="[^"]*" height="[^"]*"', 'width="220" height="220"', svg, count=1)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def _recovery_codes_replace(*, user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME}
    )
    device.token_set.all().delete()
    device.throttle_reset(commit=True)
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_digest(code)) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _recovery_digest(code: str) -> str:
    # StaticToken.token holds 16 characters: the start of the code's SHA-256.
    # 50 random bits per code make that digest useless to guess from.
    return hashlib.sha256(_normalized(code).encode()).hexdigest()[:16]


def _normalized(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def _digits(code: str) -> str:
    return re.sub(r"\s", "", code)


def session_verify(*, request: HttpRequest, device: Device) -> None:
    """Mark this session as signed in with both factors. A new session key and
    CSRF token at each step up, as at sign-in."""
    request.session.cycle_key()
    rotate_token(request)
    otp_login(request, device)
