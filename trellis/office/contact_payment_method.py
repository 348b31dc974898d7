"""Staff save a payment method to a contact from the contact's page: a card or
a US bank account, typed into the payment processor's own field as a customer
does (the card or account number never reaches Trellis); each save is
recorded in the audit log. A bank account the processor must verify waits for
the customer to confirm two small deposits in the portal: staff cannot do it
for them, since only the customer sees their bank statement."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from trellis.billing import throttles
from trellis.billing.bank_accounts import bank_account_add
from trellis.billing.card_forms import BankTokenForm, CardTokenForm
from trellis.billing.gateways.base import CardEntry, GatewayUnavailable, PaymentDeclined
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import entry_or_none, payment_method_add, payment_methods_of
from trellis.customers.models import Contact
from trellis.office.contact_portal import (
    ContactLinks,
    contact_links,
    staff_user,
)

SAVE_PERMISSION = "billing.add_paymentmethod"
Kind = PaymentMethod.Kind
Verification = PaymentMethod.Verification

# The method's kind as staff name it, in "the ... was not saved", "save this ...".
KIND_WORDS = {Kind.CARD: "card", Kind.BANK_ACCOUNT: "bank account"}
OTHER_KIND = {Kind.CARD: Kind.BANK_ACCOUNT, Kind.BANK_ACCOUNT: Kind.CARD}
# A bank account's verification in staff's words: the customer, not "you", confirms.
VERIFICATION_WORDS = {
    Verification.VERIFIED: "Verified",
    Verification.PENDING: "Waiting for the customer to confirm the deposits",
    Verification.FAILED: "Could not be verified",
}
DEFAULT_WORDS = {Kind.CARD: "Default card", Kind.BANK_ACCOUNT: "Default bank account"}
PENDING_SAVED = (
    "Saved. The customer confirms the two small deposits in the portal (Manage Payments) "
    "before it can be charged."
)


class StaffCardForm(CardTokenForm):
    make_default = forms.BooleanField(label="Make this the contact's default card", required=False)


class StaffBankAccountForm(BankTokenForm):
    make_default = forms.BooleanField(
        label="Make this the contact's default bank account", required=False
    )


StaffMethodForm = StaffCardForm | StaffBankAccountForm


def kind_asked(request: HttpRequest) -> Kind:
    """What the save page saves: a bank account when asked (?kind=bank_account), else a card."""
    return Kind.BANK_ACCOUNT if request.GET.get("kind") == Kind.BANK_ACCOUNT else Kind.CARD


def save_url(links: ContactLinks, kind: str) -> str:
    if kind == Kind.BANK_ACCOUNT:
        return f"{links.save_payment_method}?kind={Kind.BANK_ACCOUNT}"
    return links.save_payment_method


def processor_unavailable(kind: str) -> str:
    return (
        f"We could not reach the payment processor, so the {KIND_WORDS[Kind(kind)]} was not "
        "saved. Try again in a few minutes."
    )


def _staff_words(error: ValidationError, contact: Contact, kind: str) -> list[str]:
    # The service speaks to the customer ("You have..."); staff save for someone else.
    if getattr(error, "code", None) == throttles.METHODS_FULL:
        limit = settings.PAYMENT_METHODS_PER_CONTACT
        return [
            f"{contact.full_name} already has {limit} saved payment methods, the most a "
            f"contact can keep. Remove one they no longer use, then save this "
            f"{KIND_WORDS[Kind(kind)]}."
        ]
    return error.messages


def method_entry(contact: Contact, kind: str) -> CardEntry | None:
    """The processor's card or bank field, for typing the contact's method;
    None if the processor cannot be reached (the page says so)."""
    return entry_or_none(contact=contact, language="en", kind=kind)


def can_save(request: HttpRequest) -> bool:
    return request.user.has_perm(SAVE_PERMISSION)


@dataclass(frozen=True)
class MethodRow:
    """One saved method as the panel shows it."""

    method: PaymentMethod
    expired: bool

    @property
    def details(self) -> str:
        """A card's expiry; a bank account's type."""
        method = self.method
        if method.is_bank_account:
            return method.get_account_type_display()
        return f"Expires {method.exp_month:02d}/{method.exp_year}"

    @property
    def state(self) -> str:
        """Whether it can be charged, when it cannot always be: a bank account's verification."""
        if self.method.is_bank_account:
            return VERIFICATION_WORDS[Verification(self.method.verification)]
        return ""

    @property
    def default_mark(self) -> str:
        return DEFAULT_WORDS[Kind(self.method.kind)] if self.method.is_default else ""


@dataclass(frozen=True)
class PaymentMethodsPanel:
    """What the contact's page shows of its saved payment methods."""

    contact: Contact
    methods: list[MethodRow]
    can_save: bool
    links: ContactLinks

    @property
    def save_url(self) -> str:
        return save_url(self.links, Kind.CARD)

    @property
    def save_bank_account_url(self) -> str:
        return save_url(self.links, Kind.BANK_ACCOUNT)


def payment_methods_panel(request: HttpRequest, contact: Contact) -> PaymentMethodsPanel:
    today = timezone.localdate()
    return PaymentMethodsPanel(
        contact=contact,
        methods=[MethodRow(m, m.expired_on(today)) for m in payment_methods_of(contact=contact)],
        can_save=can_save(request),
        links=contact_links(contact),
    )


def _saved(kind: str, contact: Contact, data: dict, request: HttpRequest) -> PaymentMethod:
    if kind == Kind.BANK_ACCOUNT:
        return bank_account_add(
            contact=contact,
            token=data["bank_token"],
            holder_name=data["holder_name"],
            saved_by=staff_user(request),
            make_default=data["make_default"],
        )
    return payment_method_add(
        contact=contact,
        token=data["card_token"],
        holder_name=data["holder_name"],
        postcode=data["postcode"],
        saved_by=staff_user(request),
        make_default=data["make_default"],
    )


def _saved_words(method: PaymentMethod, contact: Contact) -> str:
    if method.verification == Verification.PENDING:
        return PENDING_SAVED
    return f"{method} saved to {contact.full_name}."


def method_saved(request: HttpRequest, contact: Contact, kind: str) -> tuple[StaffMethodForm, bool]:
    """The staff form for a card or a bank account (on a POST, bound to what
    was typed) and whether the method it holds was saved to the contact; the
    staff member is told when it was."""
    form_class = StaffBankAccountForm if kind == Kind.BANK_ACCOUNT else StaffCardForm
    if request.method != "POST":
        return form_class(), False
    form = form_class(request.POST)
    if not form.is_valid():
        return form, False
    try:
        method = _saved(kind, contact, form.cleaned_data, request)
    except PaymentDeclined as declined:
        form.add_error(None, declined.message)
    except GatewayUnavailable:
        form.add_error(None, processor_unavailable(kind))
    except ValidationError as error:
        form.add_error(None, _staff_words(error, contact, kind))
    else:
        messages.success(request, _saved_words(method, contact))
        return form, True
    return form, False
