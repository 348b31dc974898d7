"""Stripe behind Trellis's gateway interface, through the official `stripe` library.

A contact is a Stripe Customer; a card is saved with a SetupIntent that the
browser confirms through Stripe's Payment Element (card_entry, then card_save
with the SetupIntent's id), and kept as the PaymentMethod it made. A payment
is a PaymentIntent confirmed at once with that PaymentMethod, off-session when
the customer is not at the page; when their bank wants them to confirm it
(3-D Secure) the page shows Stripe's prompt with the PaymentIntent's client
secret.

Every request that changes something carries Trellis's idempotency key, and
the library never retries on its own (max_network_retries=0): Trellis retries
with the same key, which Stripe answers with its first answer. The charge's
key also goes into the PaymentIntent's metadata, so `charge_lookup` finds
what became of a charge whose answer was lost.

The library speaks the API version it was built for (stripe 16: 2026-10-28),
where intents take `allowed_payment_method_types` (the older
`payment_method_types` is refused): cards, the brands Trellis keeps, and US
bank accounts (ACH Direct Debit: trellis/billing/gateways/stripe_banks.py),
whose payments are accepted "processing" and clear or are returned days later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from trellis.billing.gateways import stripe_banks
from trellis.billing.gateways import stripe_words as words
from trellis.billing.gateways.base import (
    CardEntry,
    Charge,
    ChargeLookup,
    GatewayEvent,
    GatewayUnavailable,
    PaymentDeclined,
    Refund,
    SavedBankAccount,
    SavedCard,
)
from trellis.billing.gateways.stripe_banks import BANK_ACCOUNT, id_of, is_bank_account
from trellis.billing.gateways.stripe_events import PAYMENT_KEY, REFUND_KEY, event_from_webhook

logger = logging.getLogger(__name__)

STRIPE_JS = "https://js.stripe.com/v3/"
# What Stripe.js and the Payment Element load, by directive (Stripe's
# integration security guide): the script from js.stripe.com, its frames
# there and the 3-D Secure prompt's on hooks.stripe.com, its calls to the API.
STRIPE_SOURCES = {
    "script-src": ("https://js.stripe.com", "https://*.js.stripe.com"),
    "frame-src": ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com",),
}
# Long enough for a bank's answer to a charge, short enough that a customer
# waiting at the page gets "try again" rather than a dead browser tab.
REQUEST_TIMEOUT_SECONDS = 10.0


@contextmanager
def _unavailable_on_errors(doing: str) -> Iterator[None]:
    """No answer, or one Trellis cannot act on (Stripe down, rate limited, the
    key refused, an idempotency conflict): whatever was asked may or may not
    have happened, and a retry with the same key, or charge_lookup, tells."""
    try:
        yield
    except stripe.StripeError as error:
        logger.warning(
            "Stripe gave no usable answer to %s: %s (http %s, request %s)",
            doing,
            type(error).__name__,
            error.http_status,
            error.request_id,
        )
        raise GatewayUnavailable("The payment processor did not answer in time.") from error


class StripeGateway:
    name = "stripe"
    card_page_sources = STRIPE_SOURCES

    def __init__(self, *, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self._client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=0,
        )

    def customer_create(self, *, name: str, email: str, idempotency_key: str) -> str:
        with _unavailable_on_errors("a customer create"):
            customer = self._client.v1.customers.create(
                {"name": name, "email": email}, {"idempotency_key": idempotency_key}
            )
        return customer.id

    def card_entry(self, *, customer: str, language: str) -> CardEntry:
        """A SetupIntent for `customer`, which the Payment Element confirms
        with the card typed; its client secret is what the page hands Stripe.js."""
        with _unavailable_on_errors("a SetupIntent create"):
            intent = self._client.v1.setup_intents.create(
                {
                    "customer": customer,
                    "usage": "off_session",
                    "allowed_payment_method_types": ["card"],
                }
            )
        return CardEntry(
            kind=self.name,
            script_url=STRIPE_JS,
            options={
                "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                "client_secret": intent.client_secret or "",
                "language": language,
            },
        )

    def card_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedCard:
        """`token` is the id of the SetupIntent the browser confirmed. Its
        success attached the card to the customer at Stripe, so nothing is
        changed here (and `idempotency_key` is not needed): the SetupIntent is
        checked to be this customer's and to have succeeded, and its
        PaymentMethod read for what Trellis shows."""
        not_saved = PaymentDeclined("card_not_saved", str(words.CARD_NOT_SAVED))
        if not token.startswith("seti_"):
            raise not_saved
        with _unavailable_on_errors("a SetupIntent retrieve"):
            try:
                intent = self._client.v1.setup_intents.retrieve(token)
            except stripe.InvalidRequestError:  # unknown to Stripe
                raise not_saved from None
            if id_of(intent.customer) != customer:
                logger.warning("SetupIntent %s is another customer's, not %s", token, customer)
                raise not_saved
            if intent.status != "succeeded":
                if intent.last_setup_error is None:
                    raise not_saved
                raise _declined(intent.last_setup_error)
            method = self._client.v1.payment_methods.retrieve(id_of(intent.payment_method))
        card = method.card
        if card is None or id_of(method.customer) != customer:
            raise not_saved
        brand = words.BRANDS.get(card.brand)
        if brand is None:
            raise PaymentDeclined("unsupported_brand", str(words.BRAND_REFUSED))
        return SavedCard(
            token=method.id,
            brand=brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )

    def bank_entry(self, *, customer: str, language: str) -> CardEntry:
        with _unavailable_on_errors("a bank SetupIntent create"):
            return stripe_banks.bank_entry(
                self._client, customer=customer, language=language, script_url=STRIPE_JS
            )

    def bank_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedBankAccount:
        """As card_save, nothing changes at Stripe: `idempotency_key` is not needed."""
        with _unavailable_on_errors("a bank SetupIntent retrieve"):
            return stripe_banks.bank_save(self._client, token=token, customer=customer)

    def bank_verify(
        self,
        *,
        token: str,
        verification_reference: str,
        customer: str,
        amounts: tuple[Decimal, Decimal],
        idempotency_key: str,
    ) -> bool:
        with _unavailable_on_errors("a micro-deposit verification"):
            return stripe_banks.bank_verify(
                self._client,
                token=token,
                verification_reference=verification_reference,
                customer=customer,
                amounts=amounts,
                idempotency_key=idempotency_key,
            )

    def charge(
        self,
        *,
        token: str,
        customer: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        customer_present: bool,
        return_url: str,
    ) -> Charge:
        """A PaymentIntent confirmed at once. A decline (402, or the
        PaymentIntent left wanting another method) is PaymentDeclined in the
        customer's words. A bank account's PaymentIntent is "processing" until
        the debit clears or is returned (a webhook tells); a card's still
        `processing` is reported as GatewayUnavailable: charged or not is not
        known yet, and charge_lookup tells later.

        The token does not say whether it is a card or a bank account, and a
        PaymentIntent must allow its type, so the PaymentMethod is read first."""
        with _unavailable_on_errors("a PaymentMethod retrieve"):
            try:
                method = self._client.v1.payment_methods.retrieve(token)
            except stripe.InvalidRequestError as unknown:
                logger.error("Stripe does not know PaymentMethod %s: %s", token, unknown.code)
                raise PaymentDeclined(
                    unknown.code or "invalid_request", str(words.CARD_NOT_USABLE)
                ) from None
        bank = is_bank_account(method)
        not_usable = words.BANK_NOT_USABLE if bank else words.CARD_NOT_USABLE
        params: dict[str, Any] = {
            "amount": words.minor_units(amount, currency),
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": token,
            "allowed_payment_method_types": [BANK_ACCOUNT if bank else "card"],
            "confirm": True,
            "metadata": {PAYMENT_KEY: idempotency_key},
        }
        if customer_present:
            if return_url:
                params["return_url"] = return_url
        else:
            params["off_session"] = True
        with _unavailable_on_errors("a PaymentIntent create"):
            try:
                intent = self._client.v1.payment_intents.create(
                    params,  # type: ignore[arg-type]
                    {"idempotency_key": idempotency_key},
                )
            except stripe.CardError as card_error:
                raise _declined(card_error.error) from None
            except stripe.InvalidRequestError as refused:
                # Nothing was charged: Stripe refused the request itself (a
                # method that is not this customer's, one detached at Stripe).
                logger.error("Stripe refused a PaymentIntent: %s (%s)", refused.code, refused.param)
                raise PaymentDeclined(refused.code or "invalid_request", str(not_usable)) from None
        charged = words.major_units(intent.amount, intent.currency)
        if intent.status == "succeeded":
            return Charge(reference=intent.id, amount=charged)
        if intent.status == "requires_action":
            return Charge(
                reference=intent.id,
                amount=charged,
                status="requires_action",
                action=self._action(intent),
            )
        if intent.status == "requires_payment_method":
            raise _declined(intent.last_payment_error)
        if intent.status == "processing" and bank:
            return Charge(reference=intent.id, amount=charged, status="processing")
        logger.warning("PaymentIntent %s is %s after its create", intent.id, intent.status)
        raise GatewayUnavailable("The payment processor has not finished this payment yet.")

    def charge_cancel(self, *, idempotency_key: str, reference: str) -> ChargeLookup:
        """Cancel the PaymentIntent (cancellation_reason "abandoned"); one that
        ended meanwhile cannot be and is answered as it ended."""
        lookup = self.charge_lookup(idempotency_key=idempotency_key, reference=reference)
        if lookup.state != "pending" or not lookup.reference:
            return lookup
        with _unavailable_on_errors("a PaymentIntent cancel"):
            try:
                intent = self._client.v1.payment_intents.cancel(
                    lookup.reference,
                    {"cancellation_reason": "abandoned"},
                    {"idempotency_key": f"{idempotency_key}-cancel"},
                )
            except stripe.InvalidRequestError:  # it succeeded or was canceled meanwhile
                intent = self._client.v1.payment_intents.retrieve(lookup.reference)
        return self._lookup_of(intent)

    def charge_lookup(self, *, idempotency_key: str, reference: str = "") -> ChargeLookup:
        """The PaymentIntent `reference` or, when Trellis never learned it, the
        one whose metadata holds `idempotency_key` (Stripe's search, which can
        lag a new PaymentIntent by up to a minute: ask about a charge older than that)."""
        with _unavailable_on_errors("a PaymentIntent lookup"):
            if reference:
                try:
                    intent = self._client.v1.payment_intents.retrieve(reference)
                except stripe.InvalidRequestError:
                    return ChargeLookup(state="not_found")
            else:
                quoted = idempotency_key.replace("\\", "\\\\").replace("'", "\\'")
                found = self._client.v1.payment_intents.search(
                    {"query": f"metadata['{PAYMENT_KEY}']:'{quoted}'"}
                ).data
                if not found:
                    return ChargeLookup(state="not_found")
                succeeded = [intent for intent in found if intent.status == "succeeded"]
                intent = (succeeded or found)[0]
        return self._lookup_of(intent)

    def _lookup_of(self, intent: stripe.PaymentIntent) -> ChargeLookup:
        if intent.status == "succeeded":
            return ChargeLookup(
                state="succeeded",
                reference=intent.id,
                amount=words.major_units(intent.amount_received, intent.currency),
            )
        if intent.status == "canceled":
            return ChargeLookup(
                state="failed", reference=intent.id, message=str(words.PAYMENT_CANCELED)
            )
        if intent.status == "requires_payment_method":
            # Trellis confirms each PaymentIntent as it makes it, so one
            # wanting a method again was tried and refused.
            message = _declined(intent.last_payment_error).message
            return ChargeLookup(state="failed", reference=intent.id, message=message)
        if intent.status == "processing":
            return ChargeLookup(state="processing", reference=intent.id)
        action = self._action(intent) if intent.status == "requires_action" else {}
        return ChargeLookup(state="pending", reference=intent.id, action=action)

    def _action(self, intent: stripe.PaymentIntent) -> Mapping[str, str]:
        """What stripe_action.html needs for Stripe.js's handleNextAction."""
        return {
            "client_secret": intent.client_secret or "",
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        }

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> Refund:
        """A refund of PaymentIntent `reference`. Stripe refusing it (more than
        is left, refunded already) is PaymentDeclined with the reason in staff's words."""
        with _unavailable_on_errors("a refund create"):
            try:
                refund = self._client.v1.refunds.create(
                    {
                        "payment_intent": reference,
                        "amount": words.minor_units(amount, currency),
                        "metadata": {REFUND_KEY: idempotency_key},
                    },
                    {"idempotency_key": idempotency_key},
                )
            except stripe.InvalidRequestError as error:
                code = error.code or "refund_refused"
                if code == "amount_too_large":
                    raise PaymentDeclined(code, str(words.REFUND_TOO_LARGE)) from None
                if code == "charge_already_refunded":
                    raise PaymentDeclined(code, str(words.REFUND_ALREADY)) from None
                raise PaymentDeclined(code, str(words.REFUND_REFUSED)) from None
        if refund.status in ("failed", "canceled"):
            raise PaymentDeclined("refund_failed", str(words.REFUND_REFUSED))
        return Refund(reference=refund.id, amount=words.major_units(refund.amount, refund.currency))

    def webhook_event(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        return event_from_webhook(
            body=body,
            headers=headers,
            secret=settings.STRIPE_WEBHOOK_SECRET,
            api_key=settings.STRIPE_SECRET_KEY,
        )


def _declined(error: object | None) -> PaymentDeclined:
    """A decline in the customer's words from Stripe's error (a CardError's,
    or an intent's last error: for a bank account, the bank's return). Stripe
    leaves out the fields that do not apply (decline_code on an
    authentication failure), hence getattr."""
    decline_code = getattr(error, "decline_code", None)
    code = getattr(error, "code", None)
    if is_bank_account(error):
        return PaymentDeclined(code or "bank_returned", words.bank_return_words(code))
    return PaymentDeclined(
        decline_code or code or "card_declined", words.decline_words(decline_code, code)
    )
