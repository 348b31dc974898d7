"""The forms of the status buttons that need more than a reason: recording a
payment received outside the portal, and a decision the customer made outside
it. They check what was typed; the services check the rest (the balance, the
state, a decline's reason) and refuse with words staff can act on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils import timezone

from trellis.billing.models import Invoice, Payment
from trellis.documents.selectors import document_recipient
from trellis.office.status_actions import StatusForm
from trellis.proposals.models import Proposal
from trellis.proposals.status import proposal_decision_contacts


class PaymentRecordForm(StatusForm):
    button = "record_payment"

    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    means = forms.ChoiceField(label="Paid by", choices=[("", "---------"), *Payment.Means.choices])
    received_on = forms.DateField(
        label="Received on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reference = forms.CharField(
        required=False, max_length=100, help_text="A cheque number or a bank reference."
    )
    send_receipt = forms.BooleanField(
        label="Email a receipt to the Billing contact", required=False, initial=True
    )

    def __init__(self, data: QueryDict | None = None, *, invoice: Invoice) -> None:
        super().__init__(
            data, initial={"amount": invoice.balance, "received_on": timezone.localdate()}
        )
        billing = document_recipient(document=invoice)
        receipt = self.fields["send_receipt"]
        if billing is not None and billing.contact.email:
            contact = billing.contact
            receipt.label = (
                f"Email a receipt to {contact.full_name} ({contact.email}), the Billing contact"
            )
        else:
            receipt.help_text = (
                "The property has no Billing contact with an email: no receipt can be sent."
            )

    def payment(self) -> dict[str, Any]:
        """What payment_record_offline() takes from the form."""
        return dict(self.cleaned_data)


class DecisionRecordForm(StatusForm):
    button = "record_decision"

    decision = forms.ChoiceField(
        choices=[("approved", "Approved"), ("declined", "Declined")], widget=forms.RadioSelect
    )
    via = forms.ChoiceField(
        label="How",
        choices=[(via.value, via.label.capitalize()) for via in Proposal.STAFF_CHANNELS],
        widget=forms.RadioSelect,
    )
    contact = forms.TypedChoiceField(label="Who", coerce=int)
    decided_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    signer_name = forms.CharField(
        label="Signed as",
        required=False,
        max_length=200,
        help_text="For an approval: the name the customer signed with, if they signed.",
    )
    chosen_items = forms.TypedMultipleChoiceField(
        label="Optional items chosen",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For an approval: the optional items the customer wants.",
    )
    reason = forms.CharField(
        label="Why they declined",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a decline.",
    )

    def __init__(self, data: QueryDict | None = None, *, proposal: Proposal) -> None:
        optional = [item for item in proposal.items.all() if item.optional]
        super().__init__(
            data,
            initial={
                "decided_at": timezone.now().replace(second=0, microsecond=0),
                "chosen_items": [item.pk for item in optional if item.chosen],
            },
        )
        contacts = proposal_decision_contacts(proposal=proposal)
        contact = cast(forms.TypedChoiceField, self.fields["contact"])
        contact.choices = [("", "---------"), *((c.pk, c.full_name) for c in contacts)]
        if not contacts:
            contact.help_text = "The property has no contacts: add the customer's on its page."
        if optional:
            chosen = cast(forms.TypedMultipleChoiceField, self.fields["chosen_items"])
            chosen.choices = [(item.pk, f"{item.description} ({item.amount})") for item in optional]
        else:
            del self.fields["chosen_items"]

    def decision_data(self) -> dict[str, Any]:
        """What proposal_record_decision() takes from the form."""
        data = self.cleaned_data
        return {
            "approved": data["decision"] == "approved",
            "via": data["via"],
            "contact_id": data["contact"],
            "decided_at": data["decided_at"],
            "signer_name": data["signer_name"],
            "reason": data["reason"],
            "chosen_item_ids": data.get("chosen_items", []),
        }


class PaymentRefundForm(forms.Form):
    """A card payment's Refund, in its row on the invoice's page: how much (what
    is left of it, to begin with), why, and the key made when the page was
    shown, so the same form posted twice is one refund. The service checks the
    rest (what is left, the payment's kind and state)."""

    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(max_length=300)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    # What staff read for each field's mistake, in the fields' order.
    MISTAKES = {
        "amount": "Enter the amount to refund: at least 0.01.",
        "reason": "Say why the payment is refunded.",
        "idempotency_key": "This refund form has expired: open the invoice again.",
    }

    def mistakes(self) -> str:
        """The form's mistakes in one message (it is posted from a row of the page)."""
        return " ".join(text for name, text in self.MISTAKES.items() if name in self.errors)

    def refund(self) -> dict[str, Any]:
        """What payment_refund() takes from the form."""
        return dict(self.cleaned_data)
