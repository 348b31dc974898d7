"""Contact advanced search in the back office: filters and the columns to show
live in the query string, so a search can be bookmarked and shared; results
can be invited in bulk and exported as CSV. The office's contacts list
(trellis/office/views/contacts.py) builds on it."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header

from trellis.accounts.invitations import contacts_invite
from trellis.accounts.models import AccessToken
from trellis.customers.models import Contact, PropertyContact
from trellis.customers.selectors import contacts_search
from trellis.office.contact_portal import (
    report_invite_outcomes,
    staff_user,
)

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = str | bool | dt.datetime | None


def _latest_invitation(contact: Contact) -> AccessToken | None:
    latest: list[AccessToken] = contact.latest_invitations  # type: ignore[attr-defined]
    return latest[0] if latest else None


def _last_invited(contact: Contact) -> dt.datetime | None:
    invitation = _latest_invitation(contact)
    return invitation.created_at if invitation else None


def _invitation_state(contact: Contact) -> str:
    invitation = _latest_invitation(contact)
    if invitation is None:
        return "Not invited"
    return AccessToken.State(invitation.state).label


def _properties_and_roles(contact: Contact) -> str:
    roles: list[PropertyContact] = contact.property_roles  # type: ignore[attr-defined]
    return "; ".join(f"{pc.property.name} ({pc.get_role_display()})" for pc in roles)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Contact], Value]


# Every column reads what `contacts_search` annotates or prefetches: no query per row.
COLUMNS = [
    Column("name", "Name", lambda c: c.full_name),
    Column("email", "Email", lambda c: c.email),
    Column("phone", "Phone", lambda c: c.phone),
    Column("company", "Customer company", lambda c: c.company_name),
    Column("properties", "Properties and roles", _properties_and_roles),
    Column("verified", "Customer Portal Verified", lambda c: c.portal_verified),  # type: ignore[attr-defined]
    Column("verified_since", "Verified since", lambda c: c.verified_since),  # type: ignore[attr-defined]
    Column("last_invited", "Last invited", _last_invited),
    Column("last_sign_in", "Last sign-in", lambda c: c.last_sign_in),  # type: ignore[attr-defined]
    Column("invitation_state", "Invitation state", _invitation_state),
]
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_COLUMNS = ["name", "email", "verified", "last_invited", "last_sign_in"]


class ContactSearchForm(forms.Form):
    name = forms.CharField(
        required=False, max_length=200, help_text="Part of the first or last name."
    )
    email = forms.CharField(required=False, max_length=254, help_text="Part of the email.")
    property = forms.CharField(
        required=False,
        max_length=200,
        help_text="Part of a property's name, or its external ID.",
    )
    role = forms.ChoiceField(
        required=False,
        choices=[("", "Any role"), *PropertyContact.Role.choices],
        help_text="With a property, the role held on that property.",
    )
    verified = forms.ChoiceField(
        label="Customer Portal Verified",
        required=False,
        choices=[("", "Verified or not"), ("yes", "Verified"), ("no", "Not verified")],
    )
    invited = forms.BooleanField(
        label="Invited, not yet accepted",
        required=False,
        help_text="No portal account yet, and at least one invitation sent "
        "(pending, expired or revoked).",
    )
    columns = forms.MultipleChoiceField(
        label="Columns to show",
        required=False,
        choices=[(column.key, column.label) for column in COLUMNS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data: QueryDict) -> None:
        # Opening the page with no query string shows every contact with the
        # default columns; after that, the query string says it all.
        super().__init__(data or None, initial={"columns": DEFAULT_COLUMNS})

    def search(self) -> QuerySet[Contact]:
        if not self.is_bound:
            return contacts_search()
        if not self.is_valid():
            return Contact.objects.none()
        data = self.cleaned_data
        return contacts_search(
            name=data["name"],
            email=data["email"],
            property=data["property"],
            role=data["role"],
            verified={"yes": True, "no": False}.get(data["verified"]),
            invited_not_accepted=data["invited"],
        )

    def chosen_columns(self) -> list[Column]:
        keys = DEFAULT_COLUMNS
        if self.is_bound and self.is_valid() and self.cleaned_data["columns"]:
            keys = self.cleaned_data["columns"]
        return [COLUMNS_BY_KEY[key] for key in keys]


def _html_text(value: Value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return value


def _csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return neutralise_formula(value)


def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def query_string(request: HttpRequest, **changes: str) -> str:
    """The search's query string, without its page, with `changes` made."""
    query = request.GET.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


def result_rows(
    contacts: Iterable[Contact], columns: list[Column], *, url_of: Callable[[Contact], str]
) -> list[dict[str, Any]]:
    """Each contact with the link to its page and the text of each chosen column."""
    return [
        {
            "contact": contact,
            "url": url_of(contact),
            "cells": [(column.key, _html_text(column.value(contact))) for column in columns],
        }
        for contact in contacts
    ]


def invite_chosen(request: HttpRequest) -> HttpResponse:
    """Invite the contacts chosen on a page of results (POST `contact`), then
    back to the same search and page, whatever happened."""
    back = HttpResponseRedirect(request.get_full_path())
    chosen = [pk for pk in request.POST.getlist("contact") if pk.isdigit()]
    if not chosen:
        messages.warning(request, "Choose the contacts to invite first.")
        return back
    contacts = Contact.objects.filter(pk__in=chosen).order_by("last_name", "first_name", "id")
    # Raises PermissionDenied (a 403) for staff without the invite permission.
    outcomes = contacts_invite(contacts=contacts, invited_by=staff_user(request))
    report_invite_outcomes(request, outcomes)
    return back


def csv_export(request: HttpRequest) -> HttpResponse:
    """Every contact the search in the query string finds, not only one page,
    in its chosen columns: a CSV file named for today."""
    form = ContactSearchForm(request.GET)
    columns = form.chosen_columns()
    filename = f"contacts-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    # The byte order mark is how Excel knows the file is UTF-8 (accented names).
    response.write("\ufeff")
    write_csv(response, columns, form.search().iterator(chunk_size=1000))
    return response


def write_csv(out: Any, columns: list[Column], contacts: Iterable[Contact]) -> None:
    writer = csv.writer(out)
    writer.writerow([column.label for column in columns])
    for contact in contacts:
        writer.writerow([_csv_text(column.value(contact)) for column in columns])
