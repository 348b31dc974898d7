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

from django import forms
from django.utils.translation import gettext_lazy as _

CARD_NOT_ENTERED = _("Enter your card details.")
HOLDER_REQUIRED = _("Enter the name on the card.")


class CardTokenForm(forms.Form):
    """The processor's token for the card just typed, and what Trellis keeps of it."""

    # Rendered by the processor's include, never by this form: after an error
    # the customer types the card again (a token is used once).
    card_token = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{1,200}$",
        widget=forms.HiddenInput,
        error_messages={"required": CARD_NOT_ENTERED, "invalid": CARD_NOT_ENTERED},
    )
    holder_name = forms.CharField(
        label=_("Name on card"),
        max_length=200,
        error_messages={"required": HOLDER_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "cc-name"}),
    )
    postcode = forms.CharField(
        label=_("Billing postcode"),
        max_length=20,
        required=False,
        help_text=_("Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
