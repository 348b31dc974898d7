"""The Autopay page's two steps: choose what to pay and with which method,
then read the authorisation and agree to it.

Whether autopay may be turned on is the autopay service's answer
(trellis.autopay.services); these forms only keep the choice to the
customer's own properties and saved methods, so a wrong one is told in
their words before they are shown words to agree to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trellis.billing.models import PaymentMethod
from trellis.billing.payments import method_problem
from trellis.customers.models import Contact, Property

ALL_PROPERTIES = "all"
PAGE_EXPIRED = _("This page has expired. Start again.")


def chargeable_methods(
    methods: Iterable[PaymentMethod], *, contact: Contact
) -> list[PaymentMethod]:
    """The saved methods autopay can charge: those the payment rules find no
    problem with (a verified bank account, a card not expired)."""
    return [m for m in methods if not method_problem(method=m, contact=contact)]


def method_label(method: PaymentMethod) -> str:
    if method.is_bank_account:
        return str(method)
    return gettext("%(card)s, expires %(month)02d/%(year)s") % {
        "card": str(method),
        "month": method.exp_month,
        "year": method.exp_year,
    }


class AutopayChoiceForm(forms.Form):
    """Step 1: the property (or all of them) and the saved method."""

    scope = forms.ChoiceField(
        label=_("Pay the invoices of"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a property, or all your properties."),
            "invalid_choice": _("Choose one of your properties."),
        },
    )
    method = forms.ModelChoiceField(
        label=_("Charge"),
        queryset=PaymentMethod.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose a payment method."),
            "invalid_choice": _("Choose one of your saved payment methods."),
        },
    )

    def __init__(
        self,
        *args: Any,
        contact: Contact,
        properties: list[Property],
        methods: QuerySet[PaymentMethod],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.properties = {str(p.pk): p for p in properties}
        scopes = [(ALL_PROPERTIES, gettext("All my properties"))]
        scopes += [(pk, p.name) for pk, p in self.properties.items()]
        cast(forms.ChoiceField, self.fields["scope"]).choices = scopes
        field = cast(forms.ModelChoiceField, self.fields["method"])
        # Any saved method of theirs is accepted here, so one posted that cannot
        # be charged is told why (clean_method); only chargeable ones are offered.
        field.queryset = methods
        self.offered = chargeable_methods(methods, contact=contact)
        field.widget.choices = [(m.pk, method_label(m)) for m in self.offered]

    def clean_method(self) -> PaymentMethod:
        method: PaymentMethod = self.cleaned_data["method"]
        problem = method_problem(method=method, contact=self.contact)
        if problem:
            raise forms.ValidationError(problem)
        return method

    def chosen_property(self) -> Property | None:
        """The property chosen, or None for all of them (once valid)."""
        return self.properties.get(self.cleaned_data["scope"])

    def initial_choice(self) -> dict[str, object]:
        """What the page chooses for them: all properties, the default method
        if it can be charged, else the first that can."""
        default = next(
            (m for m in self.offered if m.is_default), self.offered[0] if self.offered else None
        )
        return {"scope": ALL_PROPERTIES, "method": default.pk if default else None}


class AutopayAuthoriseForm(AutopayChoiceForm):
    """Step 2: the same choice, posted back hidden, the version of the words
    the page showed, and the customer's tick. The box is never ticked for
    them: each page of words shown needs a tick of its own."""

    version = forms.CharField(
        max_length=20,
        widget=forms.HiddenInput,
        error_messages={"required": PAGE_EXPIRED, "max_length": PAGE_EXPIRED},
    )
    authorise = forms.BooleanField(
        label=_("I authorise these payments"),
        error_messages={"required": _("Tick the box to authorise the payments.")},
    )
