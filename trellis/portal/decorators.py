from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, overload

from django.contrib.auth.views import redirect_to_login
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseBase

from trellis.accounts.preview import preview_of
from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.portal.preview import changes_something
from trellis.visibility import SectionOn

ViewFunc = Callable[..., HttpResponseBase]


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the portal: the signed-in customer's contact, or the
    contact a staff member is viewing the portal as (`preview`), and the
    company whose switches decide which sections exist."""

    contact: Contact
    company: Company
    preview: bool = False


def viewer_of(request: HttpRequest) -> Viewer:
    viewer = getattr(request, "viewer", None)
    if viewer is None:
        raise LookupError("viewer_of() is only for views behind @customer_required")
    return viewer


def _viewer(request: HttpRequest) -> Viewer | None:
    user = request.user
    contact = getattr(user, "contact", None) if user.is_authenticated else None
    if contact is not None:  # a customer's own account
        return Viewer(contact=contact, company=Company.load())
    preview = preview_of(request)
    if preview is not None:
        return Viewer(contact=preview.contact, company=Company.load(), preview=True)
    return None


@overload
def customer_required(view: ViewFunc, /) -> ViewFunc: ...
@overload
def customer_required(*, changes: bool = False) -> Callable[[ViewFunc], ViewFunc]: ...
def customer_required(
    view: ViewFunc | None = None, /, *, changes: bool = False
) -> ViewFunc | Callable[[ViewFunc], ViewFunc]:
    """Portal pages are for signed-in customers, and for staff viewing the
    portal as one of them; anyone else goes to sign-in.

    The view finds the customer with `viewer_of(request)` and loads every
    object through `trellis.visibility` with that contact and company.
    `changes=True` marks a page whose purpose is to change something (pay,
    approve, edit...): a staff preview refuses it (trellis/portal/preview.py).
    """

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            viewer = _viewer(request)
            if viewer is None:
                return redirect_to_login(request.get_full_path())
            request.viewer = viewer  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return changes_something(wrapper) if changes else wrapper

    return decorate if view is None else decorate(view)


def section_or_404(request: HttpRequest, model: type[Model]) -> Viewer:
    """The viewer, if the company has the portal section of `model` on; else 404."""
    viewer = viewer_of(request)
    if not SectionOn.is_on(viewer.company, model):
        raise Http404
    return viewer
