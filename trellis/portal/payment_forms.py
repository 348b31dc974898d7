"""The Invoice Payment screen's form: which method, how much, and the attempt's key.

A new card comes as the processor's token (CardTokenForm, trellis/billing/card_forms.py);
whether the payment may be made is the billing services' answer, not this form's.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.billing.card_forms import BankTokenForm, CardTokenForm

NEW_CARD = "new"
AMOUNT_TOO_SMALL = _("Enter an amount of at least 0.01.")


class InvoicePayForm(forms.Form):
    # A saved method's id, or NEW_CARD; the view finds it among the contact's.
    method = forms.CharField(
        label=_("Payment method"),
        max_length=20,
        error_messages={"required": _("Choose a payment method.")},
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": AMOUNT_TOO_SMALL, "invalid": AMOUNT_TOO_SMALL},
    )
    # Made when the screen is shown: the same form submitted twice is one attempt.
    idempotency_key = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": _("This payment form has expired. Start again.")},
    )
    save_card = forms.BooleanField(label=_("Save this card for next time"), required=False)


class PayAllForm(forms.Form):
    method = forms.CharField(
        label=_("Payment method"),
        max_length=20,
        error_messages={"required": _("Choose a payment method.")},
    )
    batch_key = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": _("This payment form has expired. Start again.")},
    )
    # The invoices the page showed, "12,15,…": the payment is of exactly those
    # (the ones of them still due).
    invoices = forms.RegexField(
        regex=r"^[0-9]{1,18}(,[0-9]{1,18}){0,199}$",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("This payment form has expired. Start again.")},
    )

    def clean_invoices(self) -> list[int] | None:
        value = self.cleaned_data["invoices"]
        return [int(pk) for pk in value.split(",")] if value else None


class PaymentMethodForm(CardTokenForm):
    """Add a Payment Method: the card, and whether it becomes the default."""

    make_default = forms.BooleanField(label=_("Make this my default"), required=False)


class BankAccountForm(BankTokenForm):
    """Add a bank account: the processor's token, the account holder, and
    whether it becomes the default bank account (once verified)."""

    make_default = forms.BooleanField(label=_("Make this my default bank account"), required=False)


class ReceiptEmailsForm(forms.Form):
    """Manage Payments' receipts switch (Contact.receipt_emails)."""

    receipt_emails = forms.BooleanField(
        label=_("Email me a receipt for each payment"), required=False
    )
