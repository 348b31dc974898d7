"""Manage Payments > Add a bank account, and confirming its two small deposits.

The routing and account numbers are typed into the payment processor's own
field (card_entry/<processor>_bank.html): this page receives only the
processor's token and the account holder's name. The rules (limits, the
tries at the deposits, when it becomes the default) are
trellis.billing.bank_accounts'; these views ask and show.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trellis.billing.bank_accounts import (
    bank_account_add,
    bank_account_verify,
    verification_problem,
)
from trellis.billing.card_forms import DepositsForm
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import PaymentMethodRefused, entry_or_none
from trellis.content_security import card_entry_page
from trellis.portal.decorators import customer_required, viewer_of
from trellis.portal.payment_forms import BankAccountForm
from trellis.portal.views.payment_methods import method_saved, own_method

Verification = PaymentMethod.Verification

PROCESSOR_UNAVAILABLE = gettext_lazy(
    "We could not reach our payment processor. Your bank account was not saved; "
    "try again in a few minutes."
)
DEPOSITS_SENT = gettext_lazy(
    "We sent two small deposits to your account. They arrive in 1 to 2 business days: "
    "enter their amounts here to finish."
)


def _bank_account_added(request: HttpRequest, form: BankAccountForm) -> PaymentMethod | None:
    """Save the account the form's token stands for to the viewer; the method,
    or None with the processor's or the throttle's answer added to the form."""
    return method_saved(
        form,
        lambda: bank_account_add(
            contact=viewer_of(request).contact,
            token=form.cleaned_data["bank_token"],
            holder_name=form.cleaned_data["holder_name"],
            saved_by=None,
            make_default=form.cleaned_data["make_default"],
        ),
        unavailable=str(PROCESSOR_UNAVAILABLE),
    )


@card_entry_page
@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def bank_account_add_view(request: HttpRequest) -> HttpResponse:
    form = BankAccountForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        method = _bank_account_added(request, form)
        if method is not None and not method.chargeable:
            messages.info(request, DEPOSITS_SENT)
            return redirect("portal:bank-account-verify", method.pk)
        if method is not None:
            messages.success(request, _("Your %(account)s has been saved.") % {"account": method})
            return redirect("portal:payment-methods")
    bank_entry = entry_or_none(
        contact=viewer_of(request).contact,
        language=get_language(),
        kind=PaymentMethod.Kind.BANK_ACCOUNT,
    )
    context = {"form": form, "bank_entry": bank_entry}
    status = 400 if form.is_bound else 200
    return render(request, "portal/bank_account_add.html", context, status=status)


@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def bank_account_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    method = own_method(request, pk)
    if not method.is_bank_account:
        raise Http404
    problem = verification_problem(method)
    if problem:
        messages.info(request, problem)
        return redirect("portal:payment-methods")
    form = DepositsForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            result = bank_account_verify(method=method, amounts=form.amounts())
        except PaymentMethodRefused as refused:  # verified or failed meanwhile
            messages.error(request, refused.message)
            return redirect("portal:payment-methods")
        if result.verified:
            messages.success(
                request,
                _("%(account)s is verified: you can pay with it now.") % {"account": method},
            )
            return redirect("portal:payment-methods")
        if result.method.verification == Verification.FAILED:
            messages.error(request, result.message)
            return redirect("portal:payment-methods")
        form.add_error(None, result.message)
        method = result.method
    context = {
        "form": form,
        "method": method,
        "tries_left": PaymentMethod.VERIFY_TRIES - method.verification_tries,
    }
    status = 400 if form.is_bound else 200
    return render(request, "portal/bank_account_verify.html", context, status=status)
