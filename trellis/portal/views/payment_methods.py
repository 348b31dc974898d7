"""User Profile > Manage Payments: the customer's saved payment methods."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trellis.billing.card_forms import CardTokenForm
from trellis.billing.gateways.base import CardEntry, GatewayUnavailable, PaymentDeclined
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import (
    PaymentMethodRefused,
    card_entry_for,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_methods_of,
)
from trellis.content_security import card_entry_page
from trellis.portal.decorators import customer_required, viewer_of
from trellis.portal.payment_forms import PaymentMethodForm

PROCESSOR_UNAVAILABLE = gettext_lazy(
    "We could not reach our payment processor. Your card was not saved; try again in a few minutes."
)


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


def card_entry_of(request: HttpRequest) -> CardEntry | None:
    """The processor's card field for the viewer, or None when the processor
    cannot be reached (the page says so)."""
    try:
        return card_entry_for(contact=viewer_of(request).contact, language=get_language())
    except GatewayUnavailable:
        return None


def card_added(request: HttpRequest, form: CardTokenForm, **options: bool) -> PaymentMethod | None:
    """Save the card the form's token stands for to the viewer; the method, or
    None with the processor's or the throttle's answer added to the form."""
    try:
        return payment_method_add(
            contact=viewer_of(request).contact,
            token=form.cleaned_data["card_token"],
            holder_name=form.cleaned_data["holder_name"],
            postcode=form.cleaned_data["postcode"],
            saved_by=None,
            **options,
        )
    except PaymentDeclined as declined:
        form.add_error(None, declined.message)
    except GatewayUnavailable:
        form.add_error(None, PROCESSOR_UNAVAILABLE)
    except ValidationError as error:
        form.add_error(None, error.messages)
    return None


@card_entry_page
@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def payment_method_add_view(request: HttpRequest) -> HttpResponse:
    form = PaymentMethodForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        method = card_added(request, form, make_default=form.cleaned_data["make_default"])
        if method is not None:
            messages.success(
                request,
                _("Your %(card)s has been saved.") % {"card": str(method)},
            )
            return redirect("portal:payment-methods")
    context = {"form": form, "card_entry": card_entry_of(request)}
    status = 400 if form.is_bound else 200
    return render(request, "portal/payment_method_add.html", context, status=status)


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
