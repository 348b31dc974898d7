"""The card form: a card as a person types it, checked by the card rules of
trellis.billing.cards, in the customer's words. Shared by the portal's Add a
Payment Method and Pay Invoice and the office's save a card for a contact.

Each UI renders the card fields with its own template and brings its own
<form>, CSRF token and buttons. Views that take it must be decorated with
`@sensitive_post_parameters(*CARD_SECRET_FIELDS)`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.billing import cards
from trellis.billing.gateways.base import CardDetails

# The POST fields that must never be shown back, stored or logged.
CARD_SECRET_FIELDS = ("number", "cvv")


class NeverRedisplayedInput(forms.TextInput):
    """A text input that never renders what was typed (for the card number and
    CVV): after an error the customer types them again."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


def _numeric(autocomplete: str, **attrs: Any) -> dict[str, Any]:
    return {"autocomplete": autocomplete, "inputmode": "numeric", **attrs}


class CardForm(forms.Form):
    """A card as the customer types it. `card_details()` gives the checked card."""

    number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        strip=True,
        error_messages={"required": cards.NUMBER_REQUIRED},
        widget=NeverRedisplayedInput(
            attrs=_numeric("cc-number", spellcheck="false", autocorrect="off")
        ),
    )
    exp_month = forms.CharField(
        label=_("Expiration month"),
        max_length=2,
        help_text=_("MM"),
        error_messages={"required": cards.MONTH_INVALID},
        widget=forms.TextInput(attrs=_numeric("cc-exp-month", size="2")),
    )
    exp_year = forms.CharField(
        label=_("Expiration year"),
        max_length=4,
        help_text=_("YYYY"),
        error_messages={"required": cards.YEAR_INVALID},
        widget=forms.TextInput(attrs=_numeric("cc-exp-year", size="4")),
    )
    cvv = forms.CharField(
        label=_("Security code (CVV)"),
        max_length=4,
        help_text=_("3 digits on the back; 4 on the front for American Express."),
        error_messages={"required": cards.CVV_REQUIRED},
        widget=NeverRedisplayedInput(attrs=_numeric("cc-csc", size="4")),
    )
    holder_name = forms.CharField(
        label=_("Name on card"),
        max_length=200,
        error_messages={"required": cards.HOLDER_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )
    postcode = forms.CharField(
        label=_("Billing postcode"),
        max_length=20,
        required=False,
        help_text=_("Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.brand: cards.Brand | None = None

    def clean_number(self) -> str:
        digits, self.brand = cards.card_number_check(self.cleaned_data["number"])
        return digits

    def clean_exp_month(self) -> int:
        return cards.expiry_month_check(self.cleaned_data["exp_month"])

    def clean_exp_year(self) -> int:
        return cards.expiry_year_check(self.cleaned_data["exp_year"])

    def clean_holder_name(self) -> str:
        return cards.holder_name_check(self.cleaned_data["holder_name"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        month, year = cleaned.get("exp_month"), cleaned.get("exp_year")
        if month is not None and year is not None:
            try:
                cards.expiry_check(month=month, year=year, today=self.today)
            except ValidationError as error:
                self.add_error("exp_month", error)
        if "cvv" in cleaned:
            try:
                cleaned["cvv"] = cards.cvv_check(cleaned["cvv"], brand=self.brand)
            except ValidationError as error:
                self.add_error("cvv", error)
        return cleaned

    def card_details(self) -> CardDetails:
        """The card, once the form is valid: only for the call to the processor."""
        data = self.cleaned_data
        return CardDetails(
            number=data["number"],
            exp_month=data["exp_month"],
            exp_year=data["exp_year"],
            cvv=data["cvv"],
            holder_name=data["holder_name"],
            postcode=data.get("postcode", ""),
        )
