"""The sandbox's pages and API, as if on a site of its own: the card and bank
account fields the merchant's page frames, their scripts, the tokenisation API and the bank's
3-D Secure prompt. They answer 404 unless SANDBOX_PROCESSOR_ENABLED."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trellis.sandbox_processor import addresses
from trellis.sandbox_processor.field_setup import field_setup_customer
from trellis.sandbox_processor.models import Charge
from trellis.sandbox_processor.processor import charge_authenticate
from trellis.sandbox_processor.tokens import (
    BANK_FIELDS,
    FIELDS,
    BankAccountRejected,
    CardRejected,
    bank_token_create,
    token_create,
)

logger = logging.getLogger(__name__)

MAX_TOKEN_REQUEST_BYTES = 4096
View = Callable[..., HttpResponseBase]


def sandbox_view(view: View) -> View:
    """404 when the sandbox is off, and the page in the language it was asked
    for (?lang=), whatever the merchant's session says."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.SANDBOX_PROCESSOR_ENABLED:
            raise Http404
        with translation.override(_language(request.GET.get("lang", ""))):
            return view(request, *args, **kwargs)

    return wrapped


def _language(asked: str) -> str:
    return asked if asked in dict(settings.LANGUAGES) else "en"


@xframe_options_exempt
@never_cache
@require_GET
@sandbox_view
def card_field(request: HttpRequest) -> HttpResponse:
    return _field_page(request, "sandbox_processor/card_field.html")


@xframe_options_exempt
@never_cache
@require_GET
@sandbox_view
def bank_field(request: HttpRequest) -> HttpResponse:
    return _field_page(request, "sandbox_processor/bank_field.html")


def _field_page(request: HttpRequest, template: str) -> HttpResponse:
    """A field the merchant's page frames: the card field, or the bank field."""
    setup = request.GET.get("setup", "")
    if setup and field_setup_customer(setup) is None:
        return HttpResponseBadRequest("This field's address is not valid.")
    api_url = reverse("sandbox_processor:tokens") + f"?lang={translation.get_language()}"
    response = render(
        request,
        template,
        {
            "api_url": api_url,
            "merchant_origin": addresses.merchant_origin(),
            "setup": setup,
            "field_script_url": reverse("sandbox_processor:card-field-script"),
        },
    )
    # Framed by the merchant's pages only, whose origin comes from settings:
    # set per response (csp_replace's dict is fixed when the module loads).
    response._csp_replace = {"frame-ancestors": [addresses.merchant_origin()]}  # type: ignore[attr-defined]
    return response


@require_GET
@cache_control(max_age=300)
@sandbox_view
def card_field_script(request: HttpRequest) -> HttpResponse:
    return render(request, "sandbox_processor/card-field.js", content_type="text/javascript")


@require_GET
@cache_control(max_age=300)
@sandbox_view
def card_entry_script(request: HttpRequest) -> HttpResponse:
    return render(request, "sandbox_processor/card-entry.js", content_type="text/javascript")


# The processor's public API, called by its own card field's script, not a
# Trellis form: it acts on no session and no cookie (the script sends none),
# so a forged cross-site request gains nothing a direct call would not; and
# the token it returns is worth nothing without the merchant's server saving
# it. A browser on another site is still refused by its Origin header, so no
# page elsewhere can use it to test card numbers.
@csrf_exempt
@never_cache
@require_POST
@sandbox_view
@sensitive_variables("fields", "payload")
def tokens(request: HttpRequest) -> JsonResponse:
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != addresses.sandbox_origin():
        return JsonResponse({"errors": {"__all__": "Origin not allowed."}}, status=403)
    if len(request.body) > MAX_TOKEN_REQUEST_BYTES:
        return JsonResponse({"errors": {"__all__": "Request too large."}}, status=400)
    try:
        payload = json.loads(request.body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return JsonResponse({"errors": {"__all__": "Send a JSON object."}}, status=400)
    setup = str(payload.get("setup", ""))
    customer = field_setup_customer(setup) if setup else ""
    if customer is None:
        return JsonResponse({"errors": {"__all__": "This card field is not valid."}}, status=400)
    if payload.get("kind") == "bank_account":
        return _bank_token(payload, customer)
    fields = {name: str(payload.get(name, "")) for name in FIELDS}
    try:
        token = token_create(
            number=fields["number"],
            exp_month=fields["exp_month"],
            exp_year=fields["exp_year"],
            cvv=fields["cvv"],
            customer=customer,
        )
    except CardRejected as rejected:
        return JsonResponse({"errors": rejected.errors}, status=400)
    card = {
        "brand": token.brand,
        "last4": token.last4,
        "exp_month": token.exp_month,
        "exp_year": token.exp_year,
    }
    return JsonResponse({"id": token.id, "card": card})


@sensitive_variables("payload", "fields")
def _bank_token(payload: dict[str, Any], customer: str) -> JsonResponse:
    fields = {name: str(payload.get(name, "")) for name in BANK_FIELDS}
    try:
        token = bank_token_create(
            routing_number=fields["routing_number"],
            account_number=fields["account_number"],
            account_type=fields["account_type"],
            # A server's call may leave it out; the bank field always sends it.
            account_number_confirm=(
                fields["account_number_confirm"] if "account_number_confirm" in payload else None
            ),
            customer=customer,
        )
    except BankAccountRejected as rejected:
        return JsonResponse({"errors": rejected.errors}, status=400)
    bank_account = {
        "bank_name": token.bank_name,
        "last4": token.last4,
        "account_type": token.account_type,
    }
    return JsonResponse({"id": token.id, "bank_account": bank_account})


@never_cache
@require_http_methods(["GET", "POST"])
@sandbox_view
def authenticate(request: HttpRequest, authentication_id: str) -> HttpResponse:
    charge = Charge.objects.filter(authentication_id=authentication_id).first()
    if charge is None:
        raise Http404
    if request.method == "POST" and charge.status == Charge.Status.REQUIRES_ACTION:
        answered = charge_authenticate(
            authentication_id=authentication_id,
            confirmed=request.POST.get("result") == "complete",
        )
        assert answered is not None  # noqa: S101 - found above, and never deleted
        charge = answered
        if addresses.merchant_url_safe(charge.return_url):
            return HttpResponseRedirect(charge.return_url)
    template = (
        "sandbox_processor/authenticate.html"
        if charge.status == Charge.Status.REQUIRES_ACTION
        else "sandbox_processor/authenticated.html"
    )
    response = render(
        request,
        template,
        {
            "charge": charge,
            "return_url": charge.return_url
            if addresses.merchant_url_safe(charge.return_url)
            else "",
            "title": _("Confirm your payment"),
        },
    )
    # The answer redirects back to the merchant; browsers hold a form's
    # redirect to form-action too.
    response._csp_update = {"form-action": [addresses.merchant_origin()]}  # type: ignore[attr-defined]
    return response
