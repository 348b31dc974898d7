"""The office's contacts list: the advanced search is the list. Filters and the
chosen columns live in the query string (trellis/office/contact_search.py, which
the old admin search page shares); staff who may invite choose contacts on a page
and invite them in one go; the whole result downloads as CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse

from trellis.office.contact_portal import can_invite
from trellis.office.contact_search import (
    ContactSearchForm,
    csv_export,
    invite_chosen,
    query_string,
    result_rows,
)
from trellis.office.guard import staff_button, staff_page
from trellis.office.lists import listing_of
from trellis.office.pages import page_of

VIEW = "customers.view_contact"
INVITE = "customers.invite_contact"
ADD = "customers.add_contact"


@staff_page(VIEW)
def contact_list(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        return contacts_invite_chosen(request)
    form = ContactSearchForm(request.GET)
    columns = form.chosen_columns()
    listing = listing_of(request, form.search())
    context = {
        "title": "Contacts",
        "form": form,
        "columns": columns,
        "listing": listing,
        "rows": result_rows(listing.page, columns, url_of=page_of),
        "export_url": reverse("office:contacts-export") + query_string(request),
        "can_invite": can_invite(request),
        "add_url": reverse("office:contact-add") if request.user.has_perm(ADD) else "",
    }
    return TemplateResponse(request, "office/contacts/list.html", context)


@staff_button(VIEW, INVITE)
def contacts_invite_chosen(request: HttpRequest) -> HttpResponse:
    """The list's POST: invite the chosen contacts, then back to the same search."""
    return invite_chosen(request)


@staff_page(VIEW, methods=("GET",))
def contacts_export(request: HttpRequest) -> HttpResponse:
    return csv_export(request)
