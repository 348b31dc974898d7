"""User Profile > Manage Payments: the customer's saved payment methods."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trellis.accounts.profile import receipt_emails_set
from trellis.autopay.services import enrollments_of
from trellis.billing.card_forms import CardTokenForm
from trellis.billing.gateways.base import GatewayUnavailable, PaymentDeclined
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import (
    PaymentMethodRefused,
    entry_or_none,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_methods_of,
)
from trellis.content_security import card_entry_page
from trellis.portal.decorators import customer_required, viewer_of
from trellis.portal.payment_forms import PaymentMethodForm, ReceiptEmailsForm

PROCESSOR_UNAVAILABLE = gettext_lazy(
    "We could not reach our payment processor. Your card was not saved; try again in a few minutes."
)


def own_method(request: HttpRequest, pk: int) -> PaymentMethod:
    """The viewer's method not removed; anyone else's answers 404."""
    contact = viewer_of(request).contact
    return get_object_or_404(PaymentMethod, pk=pk, contact=contact, removed_at__isnull=True)


@customer_required
@require_http_methods(["GET", "HEAD"])
def payment_method_list(request: HttpRequest) -> HttpResponse:
    contact = viewer_of(request).contact
    today = timezone.localdate()
    methods = list(payment_methods_of(contact=contact))
    context = {
        "cards": [(m, m.expired_on(today)) for m in methods if not m.is_bank_account],
        "bank_accounts": [m for m in methods if m.is_bank_account],
        "receipts_form": ReceiptEmailsForm(initial={"receipt_emails": contact.receipt_emails}),
        "enrollments": list(enrollments_of(contact=contact)),
    }
    return render(request, "portal/payment_methods.html", context)


def card_added(request: HttpRequest, form: CardTokenForm, **options: bool) -> PaymentMethod | None:
    """Save the card the form's token stands for to the viewer; the method, or
    None with the processor's or the throttle's answer added to the form."""
    return method_saved(
        form,
        lambda: payment_method_add(
            contact=viewer_of(request).contact,
            token=form.cleaned_data["card_token"],
            holder_name=form.cleaned_data["holder_name"],
            postcode=form.cleaned_data["postcode"],
            saved_by=None,
            **options,
        ),
        unavailable=str(PROCESSOR_UNAVAILABLE),
    )


def method_saved(
    form: forms.Form, save: Callable[[], PaymentMethod], *, unavailable: str
) -> PaymentMethod | None:
    """What `save` saved (a card, a bank account), or None with why not added
    to the form: the processor's refusal, a limit reached, or `unavailable`
    when the processor did not answer."""
    try:
        return save()
    except PaymentDeclined as declined:
        form.add_error(None, declined.message)
    except GatewayUnavailable:
        form.add_error(None, unavailable)
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
    card_entry = entry_or_none(contact=viewer_of(request).contact, language=get_language())
    context = {"form": form, "card_entry": card_entry}
    status = 400 if form.is_bound else 200
    return render(request, "portal/payment_method_add.html", context, status=status)


@customer_required(changes=True)
@require_POST
def payment_method_default(request: HttpRequest, pk: int) -> HttpResponse:
    method = own_method(request, pk)
    try:
        payment_method_set_default(method=method)
    except PaymentMethodRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, now_default(method))
    return redirect("portal:payment-methods")


@customer_required(changes=True)
@require_POST
def payment_method_delete(request: HttpRequest, pk: int) -> HttpResponse:
    method = own_method(request, pk)
    successor = payment_method_remove(method=method)
    messages.success(request, _("%(card)s has been removed.") % {"card": str(method)})
    if successor is not None:
        messages.info(request, now_default(successor))
    return redirect("portal:payment-methods")


def now_default(method: PaymentMethod) -> str:
    if method.is_bank_account:
        return _("%(account)s is now your default bank account.") % {"account": str(method)}
    return _("%(card)s is now your default payment method.") % {"card": str(method)}


@customer_required(changes=True)
@require_POST
def receipt_emails(request: HttpRequest) -> HttpResponse:
    form = ReceiptEmailsForm(request.POST)
    form.is_valid()  # one checkbox: unticked is a valid answer
    enabled = form.cleaned_data["receipt_emails"]
    contact = receipt_emails_set(user=request.user, enabled=enabled)  # type: ignore[arg-type]
    if contact.receipt_emails:
        messages.success(request, _("We will email you a receipt for each payment."))
    else:
        messages.success(
            request,
            _(
                "We will no longer email you a receipt for each payment. Payment failures "
                "and autopay notices are still sent."
            ),
        )
    return redirect("portal:payment-methods")
