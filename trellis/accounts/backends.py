from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from trellis.accounts.models import User
from trellis.accounts.selectors import account_for_sign_in_email
from trellis.accounts.two_factor import authenticator_apps


class EmailBackend(ModelBackend):
    """Signs staff and customers in by email (see account_for_sign_in_email)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = account_for_sign_in_email(email=username)
        if user is None:
            # Hash anyway, so an unknown email takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        # Whether the account has an authenticator app comes with it: the
        # two-factor check of every request (trellis.accounts.middleware) reads it.
        authenticator = authenticator_apps().filter(user=OuterRef("pk"))
        user = (
            User.objects.select_related("contact")
            .annotate(has_authenticator=Exists(authenticator))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
