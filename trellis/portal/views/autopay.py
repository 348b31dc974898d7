"""User Profile > Manage Payments > Autopay: which properties are paid
automatically and with what, turning it on (choose, then read and agree to
the exact words), and turning it off in one click.

The words agreed to are the service's own (trellis.autopay.authorisation),
rendered here from the same choice and language the service stores them
from: the page shows exactly what is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trellis.accounts.models import User
from trellis.autopay.authorisation import AUTHORISATION_VERSION, authorisation_text
from trellis.autopay.models import Enrollment
from trellis.autopay.services import (
    AutopayRefused,
    autopay_turn_off,
    autopay_turn_on,
    enrollments_of,
)
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import payment_methods_of
from trellis.customers.models import Property
from trellis.portal.autopay_forms import AutopayAuthoriseForm, AutopayChoiceForm
from trellis.portal.decorators import Viewer, customer_required, viewer_of
from trellis.visibility import visible_properties

# The hidden field that tells step 2 (agree and turn on) from step 1 (choose).
AUTHORISE_STEP = "authorise"

Form = TypeVar("Form", bound=AutopayChoiceForm)


@dataclass(frozen=True)
class AutopayRow:
    """One line of the page: a property (None: all of them) and the autopay
    that pays its invoices, its own or, failing that, the one for all."""

    property: Property | None
    enrollment: Enrollment | None
    through_all: bool = False


def scope_name(property: Property | None) -> str:
    return property.name if property is not None else _("all your properties")


def autopay_rows(enrollments: list[Enrollment], properties: list[Property]) -> list[AutopayRow]:
    """A property with an autopay of its own is paid by it; the others by the
    one for all properties, if on (as trellis.autopay.coverage charges them)."""
    for_all = next((e for e in enrollments if e.property_id is None), None)
    own = {e.property_id: e for e in enrollments if e.property_id is not None}
    rows = [AutopayRow(property=None, enrollment=for_all)]
    for p in properties:
        enrollment = own.get(p.pk)
        if enrollment is not None:
            rows.append(AutopayRow(property=p, enrollment=enrollment))
        else:
            rows.append(AutopayRow(property=p, enrollment=for_all, through_all=for_all is not None))
    return rows


def _form(
    viewer: Viewer, form_class: type[Form], data: QueryDict | None = None, **kwargs: Any
) -> Form:
    """A form of the page, choosing among the viewer's properties and methods."""
    return form_class(
        data,
        contact=viewer.contact,
        properties=list(visible_properties(contact=viewer.contact).order_by("name", "pk")),
        methods=payment_methods_of(contact=viewer.contact),
        **kwargs,
    )


def _page(
    request: HttpRequest, viewer: Viewer, form: AutopayChoiceForm, *, status: int = 200
) -> HttpResponse:
    enrollments = list(enrollments_of(contact=viewer.contact))  # placed by autopay_rows
    context = {
        "rows": autopay_rows(enrollments, list(form.properties.values())),
        "form": form,
    }
    return render(request, "portal/autopay.html", context, status=status)


def _authorise_page(
    request: HttpRequest,
    viewer: Viewer,
    form: AutopayAuthoriseForm,
    *,
    method: PaymentMethod,
    property: Property | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "method": method,
        "scope": scope_name(property),
        "text": authorisation_text(company=viewer.company, method=method, property=property),
        "version": AUTHORISATION_VERSION,
        "step": AUTHORISE_STEP,
    }
    return render(request, "portal/autopay_authorise.html", context, status=status)


@customer_required
@require_http_methods(["GET", "HEAD"])
def autopay_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = _form(viewer, AutopayChoiceForm)
    form.initial = form.initial_choice()
    return _page(request, viewer, form)


@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def autopay_on(request: HttpRequest) -> HttpResponse:
    """Step 1 posted: show the words for that choice. Step 2 posted: turn
    autopay on with them, or show them again with what to fix."""
    if request.method != "POST":
        return redirect("portal:autopay")
    viewer = viewer_of(request)
    choice = _form(viewer, AutopayChoiceForm, request.POST)
    if not choice.is_valid():  # at either step: choose again, as chosen
        return _page(request, viewer, choice, status=400)
    method, property = choice.cleaned_data["method"], choice.chosen_property()
    if request.POST.get("step") != AUTHORISE_STEP:
        unticked = _form(viewer, AutopayAuthoriseForm, initial=choice.cleaned_data)
        return _authorise_page(request, viewer, unticked, method=method, property=property)

    form = _form(viewer, AutopayAuthoriseForm, request.POST)
    if form.is_valid():
        try:
            autopay_turn_on(
                contact=viewer.contact,
                user=_customer(request),
                method=method,
                property=property,
                version=form.cleaned_data["version"],
                company=viewer.company,
            )
        except AutopayRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Autopay is on for %(scope)s with %(method)s.")
                % {"scope": scope_name(property), "method": str(method)},
            )
            return redirect("portal:autopay")
    return _authorise_page(request, viewer, form, method=method, property=property, status=400)


@customer_required(changes=True)
@require_POST
def autopay_off(request: HttpRequest, pk: int) -> HttpResponse:
    contact = viewer_of(request).contact
    # Ended ones too: a second click on Turn off says the same, not "not found".
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("property"), pk=pk, contact=contact
    )
    autopay_turn_off(enrollment=enrollment, user=_customer(request))
    messages.success(
        request,
        _("Autopay is off for %(scope)s. Invoices already charged are not affected.")
        % {"scope": scope_name(enrollment.property)},
    )
    return redirect("portal:autopay")


def _customer(request: HttpRequest) -> User:
    """The signed-in customer: these views are refused in a staff preview."""
    return cast(User, request.user)
