"""Trellis's side of the sandbox processor (trellis.sandbox_processor): the
server half of a processor integration, as the Stripe gateway is for Stripe.

The sandbox's card field tokenises the card in the browser, and its bank field
a US bank account; this gateway turns tokens into saved cards and bank
accounts, verifies accounts by their two small deposits, charges and refunds
them, and reads the sandbox's signed webhooks. It calls the sandbox's Python
API where a real gateway would make HTTP requests, and sees only what a
processor's API would show.
The test cards and bank accounts, and what they do:
trellis/sandbox_processor/behaviours.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from trellis.billing.gateways.base import (
    CardEntry,
    Charge,
    ChargeLookup,
    EventKind,
    GatewayEvent,
    GatewayUnavailable,
    InvalidSignature,
    PaymentDeclined,
    Refund,
    SavedBankAccount,
    SavedCard,
)
from trellis.sandbox_processor import addresses, events, processor, processor_banks
from trellis.sandbox_processor.behaviours import reason
from trellis.sandbox_processor.charges import Declined, Unanswered
from trellis.sandbox_processor.field_setup import field_setup_sign
from trellis.sandbox_processor.models import BankAccount as SandboxBankAccount
from trellis.sandbox_processor.models import Charge as SandboxCharge

EVENT_KINDS: dict[str, EventKind] = {
    "charge.succeeded": "charge.succeeded",
    "charge.failed": "charge.failed",
    "refund.succeeded": "refund.succeeded",
}


def _declined(error: Declined) -> PaymentDeclined:
    return PaymentDeclined(error.code, reason(error.code))


class SandboxGateway:
    name = "sandbox"

    @property
    def card_page_sources(self) -> dict[str, tuple[str, ...]]:
        # Served from Trellis's own origin (the default), 'self' already
        # allows it: the card-entry pages' policy then names no other origin.
        # The page loads the sandbox's script and frames its field; the field
        # itself calls the sandbox's API, under its own policy.
        origin = addresses.sandbox_origin()
        if origin == addresses.merchant_origin():
            return {}
        return {"script-src": (origin,), "frame-src": (origin,)}

    def customer_create(self, *, name: str, email: str, idempotency_key: str) -> str:
        return processor.customer_create(name=name, email=email, idempotency_key=idempotency_key)

    def card_entry(self, *, customer: str, language: str) -> CardEntry:
        return self._entry(addresses.CARD_FIELD, customer=customer, language=language)

    def bank_entry(self, *, customer: str, language: str) -> CardEntry:
        return self._entry(
            addresses.BANK_FIELD,
            customer=customer,
            language=language,
            method="bank_account",
            token_field="bank_token",  # noqa: S106 (a form field's name, not a secret)
        )

    def _entry(self, field: str, *, customer: str, language: str, **kinds: Any) -> CardEntry:
        # The card and bank fields are embedded alike, by the same script.
        query = urlencode({"lang": language, "setup": field_setup_sign(customer=customer)})
        return CardEntry(
            kind=self.name,
            script_url=addresses.sandbox_url(addresses.CARD_ENTRY_SCRIPT),
            options={
                "field_url": f"{addresses.sandbox_url(field)}?{query}",
                "origin": addresses.sandbox_origin(),
                "language": language,
            },
            **kinds,
        )

    def card_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedCard:
        try:
            card = processor.card_save(
                token=token, customer=customer, idempotency_key=idempotency_key
            )
        except Declined as error:
            raise _declined(error) from None
        return SavedCard(
            token=card.reference,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )

    def bank_save(self, *, token: str, customer: str, idempotency_key: str) -> SavedBankAccount:
        try:
            account = processor_banks.bank_save(
                token=token, customer=customer, idempotency_key=idempotency_key
            )
        except Declined as error:
            raise _declined(error) from None
        verified = account.verification == SandboxBankAccount.Verification.VERIFIED
        return SavedBankAccount(
            token=account.reference,
            bank_name=account.bank_name,
            last4=account.last4,
            account_type="savings" if account.account_type == "savings" else "checking",
            verified=verified,
            # The sandbox verifies the account itself (Stripe: its SetupIntent).
            verification_reference="" if verified else account.reference,
        )

    def bank_verify(
        self,
        *,
        token: str,
        verification_reference: str,
        customer: str,
        amounts: tuple[Decimal, Decimal],
        idempotency_key: str,
    ) -> bool:
        try:
            return processor_banks.bank_verify(
                account=verification_reference or token,
                customer=customer,
                amounts=amounts,
                idempotency_key=idempotency_key,
            )
        except Declined as error:
            raise _declined(error) from None

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
        try:
            charge = processor.charge_create(
                card=token,
                customer=customer,
                amount=amount,
                currency=currency,
                idempotency_key=idempotency_key,
                customer_present=customer_present,
                return_url=return_url,
            )
        except Declined as error:
            raise _declined(error) from None
        except Unanswered:
            raise GatewayUnavailable("The payment processor did not answer in time.") from None
        if charge.status == SandboxCharge.Status.REQUIRES_ACTION:
            return Charge(
                reference=charge.reference,
                amount=charge.amount,
                status="requires_action",
                action={"url": processor.authentication_url(charge)},
            )
        if charge.status == SandboxCharge.Status.PROCESSING:
            return Charge(reference=charge.reference, amount=charge.amount, status="processing")
        return Charge(reference=charge.reference, amount=charge.amount)

    def charge_cancel(self, *, idempotency_key: str, reference: str) -> ChargeLookup:
        found = processor.charge_find(idempotency_key=idempotency_key, reference=reference)
        if found is not None:
            processor.charge_abandon(reference=found.reference)
        return self.charge_lookup(idempotency_key=idempotency_key, reference=reference)

    def charge_lookup(self, *, idempotency_key: str, reference: str = "") -> ChargeLookup:
        charge = processor.charge_find(idempotency_key=idempotency_key, reference=reference)
        if charge is None:
            return ChargeLookup(state="not_found")
        if charge.status == SandboxCharge.Status.SUCCEEDED:
            return ChargeLookup(state="succeeded", reference=charge.reference, amount=charge.amount)
        if charge.status == SandboxCharge.Status.FAILED:
            return ChargeLookup(
                state="failed",
                reference=charge.reference,
                amount=charge.amount,
                message=reason(charge.failure_code),
            )
        if charge.status == SandboxCharge.Status.PROCESSING:
            return ChargeLookup(
                state="processing", reference=charge.reference, amount=charge.amount
            )
        return ChargeLookup(
            state="pending",
            reference=charge.reference,
            amount=charge.amount,
            action={"url": processor.authentication_url(charge)},
        )

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> Refund:
        try:
            refund = processor.refund_create(
                charge=reference, amount=amount, currency=currency, idempotency_key=idempotency_key
            )
        except Declined as error:
            raise _declined(error) from None
        return Refund(reference=refund.reference, amount=refund.amount)

    def webhook_event(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        try:
            payload = events.signature_verify(body=body, headers=headers)
        except events.SignatureInvalid as error:
            raise InvalidSignature(str(error)) from None
        return _event_in_trellis_terms(payload)


def _event_in_trellis_terms(payload: Mapping[str, Any]) -> GatewayEvent:
    kind = EVENT_KINDS.get(str(payload.get("type")), "ignored")
    data = payload.get("data", {}).get("object", {})
    metadata = data.get("metadata", {})
    amount = Decimal(data["amount"]) if "amount" in data else None
    if kind == "refund.succeeded":
        return GatewayEvent(
            id=str(payload["id"]),
            kind=kind,
            payment_key=str(metadata.get("charge_idempotency_key", "")),
            reference=str(data["id"]),
            charge_reference=str(data.get("charge", "")),
            refund_key=str(metadata.get("idempotency_key", "")),
            amount=amount,
        )
    if kind == "ignored":
        return GatewayEvent(id=str(payload["id"]), kind=kind)
    return GatewayEvent(
        id=str(payload["id"]),
        kind=kind,
        payment_key=str(metadata.get("idempotency_key", "")),
        reference=str(data["id"]),
        charge_reference=str(data["id"]),
        amount=amount,
        message=reason(data["failure_code"]) if kind == "charge.failed" else "",
    )
