"""The card form: what Trellis receives when a card is added. The card number,
expiry and security code are typed into the payment processor's own field
(trellis/templates/card_entry/<processor>.html) and tokenised by the processor
in the browser; this form gets only the token, with the name on the card and
the billing postcode, which Trellis keeps to show the card.

Shared by the portal's Add a Payment Method and Pay Invoice and the office's
save a card for a contact. Each UI brings its own <form>, CSRF token and
buttons, renders the name and postcode with its own markup, and includes the
processor's field inside the form with the CardEntry of `card_entry_for`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CARD_NOT_ENTERED = _("Enter your card details.")
HOLDER_REQUIRED = _("Enter the name on the card.")


def token_field(not_entered: StrOrPromise) -> forms.RegexField:
    """The processor's token, in the hidden input its field fills. Rendered by
    the processor's include, never by the form: after an error the customer
    types the details again (a token is used once)."""
    return forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{1,200}$",
        widget=forms.HiddenInput,
        error_messages={"required": not_entered, "invalid": not_entered},
    )


def holder_field(label: StrOrPromise, required: StrOrPromise, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=200,
        error_messages={"required": required},
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


class CardTokenForm(forms.Form):
    """The processor's token for the card just typed, and what Trellis keeps of it."""

    card_token = token_field(CARD_NOT_ENTERED)
    holder_name = holder_field(_("Name on card"), HOLDER_REQUIRED, "cc-name")
    postcode = forms.CharField(
        label=_("Billing postcode"),
        max_length=20,
        required=False,
        help_text=_("Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )


BANK_NOT_ENTERED = _("Enter your bank account details.")
ACCOUNT_HOLDER_REQUIRED = _("Enter the name of the account holder.")


class BankTokenForm(forms.Form):
    """The processor's token for the bank account just typed into its field
    (routing number, account number, checking or savings), and the account
    holder's name, which Trellis keeps to show it."""

    bank_token = token_field(BANK_NOT_ENTERED)
    holder_name = holder_field(_("Account holder"), ACCOUNT_HOLDER_REQUIRED, "name")


class DepositsForm(forms.Form):
    """The two small deposits' amounts, as the customer reads them on their
    bank statement ("0.32" or "32" cents)."""

    first = forms.CharField(label=_("First deposit"), max_length=8)
    second = forms.CharField(label=_("Second deposit"), max_length=8)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        for name in ("first", "second"):
            if name in cleaned and deposit_amount(str(cleaned[name])) is None:
                self.add_error(
                    name, _("Enter the deposit's amount in dollars and cents, such as 0.32.")
                )
        return cleaned

    def amounts(self) -> tuple[Decimal, Decimal]:
        first = deposit_amount(self.cleaned_data["first"])
        second = deposit_amount(self.cleaned_data["second"])
        assert first is not None and second is not None  # noqa: S101 (clean checked them)
        return first, second


def deposit_amount(text: str) -> Decimal | None:
    """A deposit's amount as the customer typed it: "0.32", ".32", "$0.32" or
    "32" (cents); None if it is not an amount under one dollar."""
    cleaned = text.strip().replace("$", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if "." not in cleaned:
        amount = amount / 100
    if (
        not amount.is_finite()
        or amount <= 0
        or amount >= 1
        or amount != amount.quantize(Decimal("0.01"))
    ):
        return None
    return amount
