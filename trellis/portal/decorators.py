from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseBase

from trellis.company.models import Company
from trellis.customers.models import Contact
from trellis.visibility import SectionOn


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the portal: the signed-in customer's contact, and the
    company whose switches decide which sections exist."""

    contact: Contact
    company: Company


def viewer_of(request: HttpRequest) -> Viewer:
    viewer = getattr(request, "viewer", None)
    if viewer is None:
        raise LookupError("viewer_of() is only for views behind @customer_required")
    return viewer  # type: ignore[no-any-return]


def customer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Portal pages are for signed-in customers; anyone else goes to sign-in.

    The view finds the customer with `viewer_of(request)` and loads every
    object through `trellis.visibility` with that contact and company.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (user.is_authenticated and getattr(user, "is_customer", False)):
            return redirect_to_login(request.get_full_path())
        request.viewer = Viewer(contact=user.contact, company=Company.load())  # type: ignore[attr-defined, union-attr]
        return view(request, *args, **kwargs)

    return wrapper


def section_or_404(request: HttpRequest, model: type[Model]) -> Viewer:
    """The viewer, if the company has the portal section of `model` on; else 404."""
    viewer = viewer_of(request)
    if not SectionOn.is_on(viewer.company, model):
        raise Http404
    return viewer
