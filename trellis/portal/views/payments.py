"""Pay Invoice: the Invoice Payment screen, its confirmation, the receipt, and
"Pay all due". The billing services decide whether a payment may be made and
make sure it is never charged twice; these views only ask and show."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trellis.billing.card_forms import CardTokenForm
from trellis.billing.gateways import get_gateway
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.payment_methods import (
    entry_or_none,
    payment_method_remove,
    payment_methods_of,
)
from trellis.billing.payments import (
    PaymentRefused,
    PaymentUnavailable,
    invoice_pay,
    invoice_reserved,
    invoices_pay_all,
    invoices_pay_all_page,
    payment_problem,
    payment_retry,
)
from trellis.billing.processor_results import payment_refresh
from trellis.content_security import card_entry_page, processor_allowed
from trellis.portal.decorators import Viewer, customer_required, section_or_404, viewer_of
from trellis.portal.payment_forms import NEW_CARD, InvoicePayForm, PayAllForm
from trellis.portal.views.payment_methods import card_added
from trellis.visibility import visible_invoices, visible_properties

# Cards entered on the pay screen without "Save this card": this session may
# pay with them once (see `invoice_pay(one_time=...)`).
ONE_TIME_METHODS = "one_time_payment_methods"


def _invoice_or_404(viewer: Viewer, pk: int) -> Invoice:
    invoices = visible_invoices(contact=viewer.contact, company=viewer.company)
    return get_object_or_404(invoices.select_related("property"), pk=pk)


def _methods(viewer: Viewer) -> list[tuple[PaymentMethod, bool]]:
    """The contact's saved methods, cards first, each with whether it has
    expired. A bank account whose verification failed is left out: it will
    never pay (one waiting for its deposits is shown, not chosen)."""
    today = timezone.localdate()
    methods = payment_methods_of(contact=viewer.contact).exclude(
        verification=PaymentMethod.Verification.FAILED
    )
    return [(m, m.expired_on(today)) for m in methods]


def _default_method(methods: list[tuple[PaymentMethod, bool]]) -> str:
    """The default card, else the default bank account, else the first that
    can be charged; else a new card."""
    usable = [m for m, expired in methods if not expired and m.chargeable]
    defaults = sorted((m for m in usable if m.is_default), key=lambda m: m.is_bank_account)
    chosen = next(iter(defaults), usable[0] if usable else None)
    return str(chosen.pk) if chosen else NEW_CARD


def _chosen_method(request: HttpRequest, viewer: Viewer, value: str) -> tuple[PaymentMethod, bool]:
    """The method the form names, and whether it is a one-time card of this
    session; another contact's method is refused like a made-up one."""
    method = PaymentMethod.objects.filter(contact=viewer.contact, pk=_int(value)).first()
    if method is None:
        raise PaymentRefused(_("Choose one of your saved payment methods."))
    one_time = method.pk in request.session.get(ONE_TIME_METHODS, [])
    return method, one_time


def _int(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() else 0


def _pay_screen(
    request: HttpRequest,
    invoice: Invoice,
    methods: list[tuple[PaymentMethod, bool]],
    form: InvoicePayForm,
    card_form: CardTokenForm,
    status: int = 200,
) -> HttpResponse:
    pending = invoice_reserved(invoice)
    context = {
        "invoice": invoice,
        "methods": methods,
        "form": form,
        "card_form": card_form,
        "card_entry": entry_or_none(contact=viewer_of(request).contact, language=get_language()),
        "new_card": NEW_CARD,
        "pending": pending,
        "payable": invoice.balance - pending,
    }
    return render(request, "portal/invoice_pay.html", context, status=status)


@card_entry_page
@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def invoice_pay_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = section_or_404(request, Invoice)
    form = InvoicePayForm(request.POST)
    if "confirm" in request.POST and form.is_valid():
        return _confirm(request, viewer, pk, form)
    invoice = _invoice_or_404(viewer, pk)
    methods = _methods(viewer)
    if request.method != "POST":
        if not invoice.is_due:
            messages.info(request, _("This invoice has nothing left to pay."))
            return redirect("portal:invoice", invoice.pk)
        payable = invoice.balance - invoice_reserved(invoice)
        if payable <= 0:
            messages.info(request, _("A payment on this invoice is already being processed."))
            return redirect("portal:invoice", invoice.pk)
        initial = {
            "method": _default_method(methods),
            "amount": payable,
            "idempotency_key": uuid.uuid4().hex,
        }
        form = InvoicePayForm(initial=initial)
        return _pay_screen(request, invoice, methods, form, CardTokenForm())
    new_card = request.POST.get("method") == NEW_CARD
    card_form = CardTokenForm(request.POST) if new_card else CardTokenForm()
    if not form.is_valid() or (new_card and not card_form.is_valid()):
        return _pay_screen(request, invoice, methods, form, card_form, status=400)
    try:
        return _review(request, viewer, invoice, form, card_form)
    except PaymentRefused as refusal:
        form.add_error(None, refusal.message)
    except CardNotAdded:
        pass  # the form says why
    return _pay_screen(request, invoice, _methods(viewer), form, card_form, status=400)


def _review(
    request: HttpRequest,
    viewer: Viewer,
    invoice: Invoice,
    form: InvoicePayForm,
    card_form: CardTokenForm,
) -> HttpResponse:
    """The confirmation step: what will be charged, to which card."""
    data = form.cleaned_data
    if data["method"] == NEW_CARD:
        method = _card_add(request, card_form, save=data["save_card"])
        one_time = not data["save_card"]
    else:
        method, one_time = _chosen_method(request, viewer, data["method"])
    problem = payment_problem(
        invoice=invoice,
        contact=viewer.contact,
        method=method,
        amount=data["amount"],
        one_time=one_time,
    )
    if problem:
        raise PaymentRefused(problem)
    context = {
        "invoice": invoice,
        "method": method,
        "amount": data["amount"],
        "balance_after": invoice.balance - data["amount"],
        "idempotency_key": data["idempotency_key"],
    }
    return render(request, "portal/invoice_pay_confirm.html", context)


class CardNotAdded(Exception):
    """The new card was not saved; the card form says why."""


def _card_add(request: HttpRequest, card_form: CardTokenForm, *, save: bool) -> PaymentMethod:
    method = card_added(request, card_form, make_default=False, one_time=not save)
    if method is None:
        raise CardNotAdded
    if not save:
        # Tokenised so the payment can name it, but not one of their saved cards.
        payment_method_remove(method=method)
        request.session[ONE_TIME_METHODS] = [
            *request.session.get(ONE_TIME_METHODS, [])[-9:],
            method.pk,
        ]
    return method


def _confirm(request: HttpRequest, viewer: Viewer, pk: int, form: InvoicePayForm) -> HttpResponse:
    """Pay. The payment reads the invoice itself, locked (a stranger's is a 404):
    the pay screen is read only to show it again when the payment is refused."""
    data = form.cleaned_data
    try:
        method, one_time = _chosen_method(request, viewer, data["method"])
        payment = invoice_pay(
            invoice_id=pk,
            contact=viewer.contact,
            company=viewer.company,
            method=method,
            amount=data["amount"],
            idempotency_key=data["idempotency_key"],
            one_time=one_time,
        )
    except Invoice.DoesNotExist:
        raise Http404 from None
    except PaymentRefused as refusal:
        form.add_error(None, refusal.message)
        invoice = _invoice_or_404(viewer, pk)
        return _pay_screen(request, invoice, _methods(viewer), form, CardTokenForm(), status=400)
    except PaymentUnavailable as problem:
        messages.error(request, problem.message)
        payment = problem.payment
    return redirect("portal:payment", pk, payment.pk)


def _payment_or_404(viewer: Viewer, pk: int, payment_pk: int) -> Payment:
    invoice = _invoice_or_404(viewer, pk)
    payments = invoice.payments.select_related("method", "paid_by")
    payment = get_object_or_404(payments, pk=payment_pk)
    payment.invoice = invoice
    return payment


@customer_required
@require_http_methods(["GET", "HEAD"])
def payment_detail(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """The payment's page, and where the processor sends the customer back after
    their bank's prompt: a pending payment is asked about each time it is shown
    (not when staff view as the customer: that changes nothing)."""
    viewer = section_or_404(request, Invoice)
    payment = _payment_or_404(viewer, pk, payment_pk)
    progress = None
    # A bank payment clearing is settled by the processor's webhook days later:
    # asking each time the page is shown would learn nothing sooner.
    if payment.status == Payment.Status.PENDING and not payment.processing and not viewer.preview:
        progress = payment_refresh(payment=payment)
        payment = progress.payment
    context = {
        "payment": payment,
        "progress": progress,
        "processor": get_gateway().name,
        "return_url": request.get_full_path(),
    }
    response = render(request, "portal/payment_detail.html", context)
    if progress is not None and progress.state == "action_required":
        processor_allowed(response)  # the bank's prompt (3-D Secure) is the processor's
    return response


@customer_required(changes=True)
@require_POST
def payment_retry_view(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    viewer = section_or_404(request, Invoice)
    payment = _payment_or_404(viewer, pk, payment_pk)
    try:
        payment_retry(payment=payment, company=viewer.company)
    except PaymentUnavailable as problem:
        messages.error(request, problem.message)
    return redirect("portal:payment", pk, payment_pk)


@customer_required(changes=True)
@require_http_methods(["GET", "HEAD", "POST"])
def invoices_pay_all_view(request: HttpRequest) -> HttpResponse:
    viewer = section_or_404(request, Invoice)
    property_id = _int(request.GET.get("property", ""))
    prop = None
    if property_id:
        prop = get_object_or_404(visible_properties(contact=viewer.contact), pk=property_id)
    methods = _methods(viewer)
    form = PayAllForm(request.POST or None, initial={"method": _default_method(methods)})
    if request.method == "POST" and form.is_valid():
        try:
            method, _one_time = _chosen_method(request, viewer, form.cleaned_data["method"])
        except PaymentRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            results = invoices_pay_all(
                contact=viewer.contact,
                company=viewer.company,
                method=method,
                batch_key=form.cleaned_data["batch_key"],
                property_id=prop.pk if prop else None,
                invoice_ids=form.cleaned_data["invoices"],
            )
            return render(request, "portal/invoice_pay_all_done.html", {"results": results})
    if not form.is_bound:
        form.initial["batch_key"] = uuid.uuid4().hex
    page = invoices_pay_all_page(
        contact=viewer.contact, company=viewer.company, property_id=prop.pk if prop else None
    )
    context: dict[str, Any] = {"form": form, "methods": methods, "page": page, "property": prop}
    status = 400 if form.is_bound else 200
    return render(request, "portal/invoice_pay_all.html", context, status=status)
