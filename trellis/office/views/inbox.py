"""The office's home: the inbox of what needs a person, newest first, filtered by
kind and property, each item marked done by whoever dealt with it; and each
staff member's choice of which items also reach them by email.

Seeing the inbox takes inbox.view_inboxitem, marking items inbox.change_inboxitem;
staff without them still get the home page, with the office's areas they may open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from trellis.customers.models import Property
from trellis.inbox.models import InboxItem, NotificationPreference
from trellis.inbox.selectors import (
    DONE,
    OPEN,
    inbox_counts,
    inbox_page,
    notification_preferences_of,
)
from trellis.inbox.services import (
    InboxItemRefused,
    inbox_item_mark_done,
    inbox_item_mark_undone,
    notification_preferences_set,
)
from trellis.inbox.wording import item_details, item_headline, item_office_path
from trellis.next_page import next_page_or
from trellis.office.guard import staff_button, staff_of, staff_page

VIEW = "inbox.view_inboxitem"
CHANGE = "inbox.change_inboxitem"
Kind = InboxItem.Kind


@dataclass(frozen=True)
class Row:
    item: InboxItem
    headline: str
    details: list[str]
    url: str
    property_url: str


@dataclass(frozen=True)
class Filters:
    state: str
    kind: str
    property_id: int | None
    page: int

    @classmethod
    def of(cls, request: HttpRequest) -> Filters:
        state = DONE if request.GET.get("state") == DONE else OPEN
        kind = request.GET.get("kind", "")
        return cls(
            state=state,
            kind=kind if kind in Kind.values else "",
            property_id=_number(request.GET.get("property")),
            page=_number(request.GET.get("page")) or 1,
        )

    def url(self, **changes: object) -> str:
        """The inbox with these filters, some changed (a page number resets to 1)."""
        values: dict[str, object] = {
            "state": self.state,
            "kind": self.kind,
            "property": self.property_id,
            "page": None,
            **changes,
        }
        query = {k: str(v) for k, v in values.items() if v not in (None, "", OPEN)}
        return reverse("office:home") + (f"?{urlencode(query)}" if query else "")


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@staff_page()
def office_home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"title": "Inbox", "can_view": False}
    if request.user.has_perm(VIEW):
        context.update(_inbox_context(request, Filters.of(request)))
    return TemplateResponse(request, "office/inbox.html", context)


def _inbox_context(request: HttpRequest, filters: Filters) -> dict[str, object]:
    counts = inbox_counts(state=filters.state, property_id=filters.property_id)
    page = inbox_page(
        counts=counts,
        state=filters.state,
        kind=filters.kind or None,
        property_id=filters.property_id,
        number=filters.page,
    )
    chosen_property = None
    if filters.property_id is not None:
        chosen_property = Property.objects.filter(pk=filters.property_id).first()
    kinds = [
        {
            "label": label,
            "count": counts.get(kind, 0),
            "url": filters.url(kind=kind),
            "chosen": kind == filters.kind,
        }
        for kind, label in Kind.choices
    ]
    return {
        "can_view": True,
        "can_change": request.user.has_perm(CHANGE),
        "filters": filters,
        "page": page,
        "rows": [
            Row(
                item=item,
                headline=item_headline(item),
                details=item_details(item),
                url=item_office_path(item),
                property_url=filters.url(property=item.property_id) if item.property_id else "",
            )
            for item in page.items
        ],
        "kinds": kinds,
        "total": sum(counts.values()),
        "all_kinds_url": filters.url(kind=""),
        "open_url": filters.url(state=OPEN),
        "done_url": filters.url(state=DONE),
        "chosen_property": chosen_property,
        "all_properties_url": filters.url(property=None),
        "previous_url": filters.url(page=page.number - 1) if page.has_previous else "",
        "next_url": filters.url(page=page.number + 1) if page.has_next else "",
        "here": request.get_full_path(),
    }


@staff_button(CHANGE)
def inbox_item_mark(request: HttpRequest) -> HttpResponse:
    """Mark one item done (done=1) or open again (done=0), then back to the list."""
    item_id = _number(request.POST.get("item"))
    if item_id is None:
        raise Http404
    try:
        if request.POST.get("done") == "0":
            inbox_item_mark_undone(item_id=item_id, by=staff_of(request))
            messages.success(request, "The item is open again.")
        else:
            item = inbox_item_mark_done(item_id=item_id, by=staff_of(request))
            messages.success(request, f"Marked done: {item_headline(item)}.")
    except InboxItem.DoesNotExist:
        raise Http404 from None
    except InboxItemRefused as refused:
        messages.error(request, refused.message)
    return redirect(next_page_or(request, reverse("office:home")))


class PreferencesForm(forms.Form):
    """One choice per kind of item: not emailed, at once, or in the daily digest."""

    def __init__(self, data: object, *, initial: dict[str, str]) -> None:
        super().__init__(data, initial=initial)  # type: ignore[arg-type]
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=NotificationPreference.Delivery.choices
            )


@staff_page(VIEW)
def inbox_preferences(request: HttpRequest) -> HttpResponse:
    """The staff member's own choice of inbox items that also reach them by email."""
    user = staff_of(request)
    form = PreferencesForm(request.POST or None, initial=notification_preferences_of(user=user))
    if request.method == "POST" and form.is_valid():
        notification_preferences_set(user=user, deliveries=form.cleaned_data)
        messages.success(request, "Your email choices are saved.")
        return redirect("office:inbox-preferences")
    context = {
        "title": "Email me about the inbox",
        "form": form,
        "has_email": bool(user.email),
    }
    return TemplateResponse(request, "office/inbox_preferences.html", context)
