"""User Profile > Manage Payments: the customer's saved payment methods."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from trellis.billing.card_forms import CARD_SECRET_FIELDS
from trellis.billing.gateways.base import PaymentDeclined
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import (
    PaymentMethodRefused,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_methods_of,
)
from trellis.content_security import card_entry_page
from trellis.portal.decorators import customer_required, viewer_of
from trellis.portal.payment_forms import PaymentMethodForm


def _own_method(request: HttpRequest, pk: int) -> PaymentMethod:
    """The viewer's method not removed; anyone else's answers 404."""
    contact = viewer_of(request).contact
    return get_object_or_404(PaymentMethod, pk=pk, contact=contact, removed_at__isnull=True)


@customer_required
@require_http_methods(["GET", "HEAD"])
def payment_method_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    today = timezone.localdate()
    methods = [
        (method, method.expired_on(today)) for method in payment_methods_of(contact=viewer.contact)
    ]
    return render(request, "portal/payment_methods.html", {"methods": methods})


@card_entry_page
@sensitive_post_parameters(*CARD_SECRET_FIELDS)
@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def payment_method_add_view(request: HttpRequest) -> HttpResponse:
    contact = viewer_of(request).contact
    if request.method != "POST":
        form = PaymentMethodForm()
        return render(request, "portal/payment_method_add.html", {"form": form})
    form = PaymentMethodForm(request.POST)
    if form.is_valid():
        try:
            method = payment_method_add(
                contact=contact,
                card=form.card_details(),
                saved_by=None,
                make_default=form.cleaned_data["make_default"],
            )
        except PaymentDeclined as declined:
            form.add_error(None, declined.message)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Your %(card)s has been saved.") % {"card": str(method)},
            )
            return redirect("portal:payment-methods")
    return render(request, "portal/payment_method_add.html", {"form": form}, status=400)


@customer_required(changes=True)
@require_POST
def payment_method_default(request: HttpRequest, pk: int) -> HttpResponse:
    method = _own_method(request, pk)
    try:
        payment_method_set_default(method=method)
    except PaymentMethodRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("%(card)s is now your default payment method.") % {"card": str(method)}
        )
    return redirect("portal:payment-methods")


@customer_required(changes=True)
@require_POST
def payment_method_delete(request: HttpRequest, pk: int) -> HttpResponse:
    method = _own_method(request, pk)
    successor = payment_method_remove(method=method)
    messages.success(request, _("%(card)s has been removed.") % {"card": str(method)})
    if successor is not None:
        messages.info(
            request,
            _("%(card)s is now your default payment method.") % {"card": str(successor)},
        )
    return redirect("portal:payment-methods")
