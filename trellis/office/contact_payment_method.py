"""Staff save a payment method to a contact from the contact's page, typing the
card into the payment processor's own field as a customer does (the number
never reaches Trellis); each save is recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from trellis.billing import throttles
from trellis.billing.card_forms import CardTokenForm
from trellis.billing.gateways.base import CardEntry, GatewayUnavailable, PaymentDeclined
from trellis.billing.models import PaymentMethod
from trellis.billing.payment_methods import card_entry_for, payment_method_add, payment_methods_of
from trellis.customers.models import Contact
from trellis.office.contact_portal import (
    ContactLinks,
    contact_links,
    staff_user,
)

SAVE_PERMISSION = "billing.add_paymentmethod"
PROCESSOR_UNAVAILABLE = (
    "We could not reach the payment processor, so the card was not saved. "
    "Try again in a few minutes."
)


class StaffCardForm(CardTokenForm):
    make_default = forms.BooleanField(
        label="Make this the contact's default payment method", required=False
    )


def _staff_words(error: ValidationError, contact: Contact) -> list[str]:
    # The service speaks to the customer ("You have..."); staff save for someone else.
    if getattr(error, "code", None) == throttles.METHODS_FULL:
        limit = settings.PAYMENT_METHODS_PER_CONTACT
        return [
            f"{contact.full_name} already has {limit} saved payment methods, the most a "
            "contact can keep. Remove one they no longer use, then save this card."
        ]
    return error.messages


def card_entry(contact: Contact) -> CardEntry | None:
    """The processor's card field, for typing the contact's card; None if the
    processor cannot be reached (the page says so)."""
    try:
        return card_entry_for(contact=contact, language="en")
    except GatewayUnavailable:
        return None


def can_save(request: HttpRequest) -> bool:
    return request.user.has_perm(SAVE_PERMISSION)


@dataclass(frozen=True)
class PaymentMethodsPanel:
    """What the contact's page shows of its saved payment methods."""

    contact: Contact
    methods: list[tuple[PaymentMethod, bool]]  # each with whether it has expired
    can_save: bool
    links: ContactLinks

    @property
    def save_url(self) -> str:
        return self.links.save_payment_method


def payment_methods_panel(request: HttpRequest, contact: Contact) -> PaymentMethodsPanel:
    today = timezone.localdate()
    return PaymentMethodsPanel(
        contact=contact,
        methods=[(m, m.expired_on(today)) for m in payment_methods_of(contact=contact)],
        can_save=can_save(request),
        links=contact_links(contact),
    )


def card_saved(request: HttpRequest, contact: Contact) -> tuple[StaffCardForm, bool]:
    """The staff card form (on a POST, bound to what was typed) and whether the
    card it holds was saved to the contact; the staff member is told when it was."""
    if request.method != "POST":
        return StaffCardForm(), False
    form = StaffCardForm(request.POST)
    if not form.is_valid():
        return form, False
    data = form.cleaned_data
    try:
        method = payment_method_add(
            contact=contact,
            token=data["card_token"],
            holder_name=data["holder_name"],
            postcode=data["postcode"],
            saved_by=staff_user(request),
            make_default=data["make_default"],
        )
    except PaymentDeclined as declined:
        form.add_error(None, declined.message)
    except GatewayUnavailable:
        form.add_error(None, PROCESSOR_UNAVAILABLE)
    except ValidationError as error:
        form.add_error(None, _staff_words(error, contact))
    else:
        messages.success(request, f"{method} saved to {contact.full_name}.")
        return form, True
    return form, False
