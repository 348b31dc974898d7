"""The one door to every office page: `@staff_page("app.permission", …)` states
what the view needs. Signed-out visitors and customers are sent to the office
sign-in (they learn nothing of what is behind it); staff without a permission
the view names get 403; nothing an office page shows is cached by a browser or
a proxy. Two-factor sign-in is held in front of every page by
trellis.accounts.middleware.TwoFactorMiddleware, before any view runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.urls import reverse
from django.views.decorators.cache import never_cache

from trellis.accounts.models import User

ViewFunc = Callable[..., HttpResponseBase]


def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def staff_of(request: HttpRequest) -> User:
    """The staff member behind an office view (the guard let nobody else in)."""
    user = request.user
    if not isinstance(user, User) or not is_staff(user):
        raise PermissionDenied
    return user


def staff_page(
    *permissions: str, methods: tuple[str, ...] = ("GET", "POST")
) -> Callable[[ViewFunc], ViewFunc]:
    """An office view for staff holding every one of `permissions` (none: any
        staff member), answering only `methods`: staff asking another method get
    405 whatever they hold, so a button's URL tells nobody more than that it is one."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not is_staff(request.user):
                return redirect_to_login(request.get_full_path(), reverse("office:sign-in"))
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.office_permissions = permissions  # type: ignore[attr-defined]
        guarded.office_methods = methods  # type: ignore[attr-defined]
        return never_cache(guarded)

    return decorate


def staff_button(*permissions: str) -> Callable[[ViewFunc], ViewFunc]:
    """A POST-only office view: a button on a page."""
    return staff_page(*permissions, methods=("POST",))
