"""Sign in for the tests of any app (the portal's, the office's, a domain
app's) and the benchmarks: a customer to the portal the way a browser does, or
anyone with both factors at once."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.two_factor import two_factor_required
from trellis.testing.factories import DEFAULT_PASSWORD

password_only_login = Client.force_login


def authenticator_app(user: Any) -> TOTPDevice | None:
    """The account's confirmed authenticator app; staff who must use two-factor
    sign-in are given one, as if they had set it up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and two_factor_required(user):
        device = TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)
    return device


def login_with_both_factors(client: Client, user: Any, backend: str | None = None) -> None:
    """force_login, then what django_otp.login() does once a code is accepted."""
    password_only_login(client, user, backend)
    device = authenticator_app(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD, **extra: Any) -> Any:
    return client.post("/sign-in/", {"email": email, "password": password}, **extra)
