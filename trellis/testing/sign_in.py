"""Sign a customer in to the portal the way a browser does, for the tests of
any app (the portal's, the office's, a domain app's) without importing the
portal's tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from trellis.testing.factories import DEFAULT_PASSWORD


def sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD, **extra: Any) -> Any:
    return client.post("/sign-in/", {"email": email, "password": password}, **extra)
