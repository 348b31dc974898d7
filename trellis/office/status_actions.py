"""Status buttons on the office's pages.

No office form writes a status (DESIGN.md, "Who owns each fact"): the pages
show it read-only, and each change is a button of its own, a POST-only view
that calls the domain service and comes back to the page saying what
happened, or why not (the service's `Refused.message`). What the office's
pages (trellis/office/views/) and the old admins share for that is here: the
panel, its buttons and their small forms, and the service calls; then
StatusActionsAdmin, which fits them into a ModelAdmin's change page.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from trellis.office.guard import staff_of
from trellis.office.redirects import redirect_next_or
from trellis.refusals import Refused

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object

T = TypeVar("T")

# What the services keep of a reason.
REASON_MAX_LENGTH = 300


def form_id(name: str) -> str:
    return f"status-{name}-form"


class StatusForm(forms.Form):
    """The fields typed in before a status button is pressed.

    They sit inside the change page's own form but belong to the button's
    (HTML's form attribute): forms cannot nest, and neither form may send the
    other's fields. The ids carry the button's name, so none clashes with the
    page's own."""

    button: ClassVar[str]

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(data, auto_id=f"id_{self.button}-%s", **kwargs)
        for bound_field in self.fields.values():
            bound_field.widget.attrs["form"] = form_id(self.button)


@dataclass(frozen=True)
class StatusButton:
    """A button the panel offers: the object's state and the user's
    permissions allow it (the service refuses anything else anyway)."""

    name: str
    label: str
    url: str
    help: str = ""
    # Fields to fill in first, or else the label of the one-line reason the
    # service asks for ("Say why…"): the service, not the page, checks it.
    form: StatusForm | None = None
    reason: str = ""
    hidden: Mapping[str, str] = field(default_factory=dict)

    @property
    def form_id(self) -> str:
        return form_id(self.name)

    @property
    def reason_max_length(self) -> int:
        return REASON_MAX_LENGTH


@dataclass(frozen=True)
class RowForm:
    """A form for a button shown in a row further down the page (a payment's Reverse)."""

    id: str
    url: str


@dataclass(frozen=True)
class StatusPanel:
    status: str
    can_change: bool
    buttons: Sequence[StatusButton]
    note: str = ""
    row_forms: Sequence[RowForm] = ()


def status_change(
    request: HttpRequest, change: Callable[[], T], done: str | Callable[[T], str]
) -> T | None:
    """Make the change (a service call) and say so, or say why the service
    refused it, changing nothing; None then."""
    try:
        changed = change()
    except Refused as refusal:
        messages.error(request, refusal.message)
        return None
    messages.success(request, done if isinstance(done, str) else done(changed))
    return changed


def status_service(
    request: HttpRequest,
    service: Callable[..., T],
    obj: Any,
    done: str,
    *,
    id_name: str,
    reason: bool = False,
) -> T | None:
    """Call one status service for `obj` as the staff member, with the reason
    they typed if it takes one (the service, not the page, checks it), and
    say so (`done`, with {} for the object) or why the service refused."""
    arguments: dict[str, Any] = {id_name: obj.pk, "actor": staff_of(request)}
    if reason:
        arguments["reason"] = request.POST.get("reason", "")
    return status_change(request, partial(service, **arguments), done.format(obj))


class StatusActionsAdmin(_ModelAdmin):
    """An admin whose change page has status buttons: it lists them in
    status_buttons() and routes their views with status_path()."""

    def status_buttons(
        self, request: HttpRequest, obj: Any, posted: StatusForm | None
    ) -> list[StatusButton]:
        """The buttons the object's state allows; `posted` is a form posted
        with a mistake, to show again in its button's place."""
        return []

    def status_note(self, obj: Any) -> str:
        return ""

    def change_page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        """What the change page shows beside the status panel (who sees it…)."""
        return {}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            posted = extra_context.get("status_posted")
            extra_context = {
                **extra_context,
                "status_panel": self.status_panel(request, obj, posted),
                **self.change_page_context(request, obj),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def status_row_forms(self, request: HttpRequest, obj: Any) -> list[RowForm]:
        return []

    def status_panel(
        self, request: HttpRequest, obj: Any, posted: StatusForm | None = None
    ) -> StatusPanel:
        can_change = self.has_change_permission(request, obj)
        return StatusPanel(
            status=obj.get_status_display(),
            can_change=can_change,
            buttons=self.status_buttons(request, obj, posted) if can_change else [],
            note=self.status_note(obj),
            row_forms=self.status_row_forms(request, obj) if can_change else [],
        )

    def url_name(self, action: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{action}"

    def action_url(self, action: str, *args: object) -> str:
        return reverse(f"admin:{self.url_name(action)}", args=args)

    def action_urls(self, obj: Any) -> Callable[[str], str]:
        """The URLs of the object's buttons, by action (as the office's pages give them)."""
        return lambda action: self.action_url(action, obj.pk)

    def status_path(self, route: str, view: Callable[..., HttpResponse], action: str) -> URLPattern:
        # POST only: a status must not change on a link prefetched or followed.
        return path(
            f"<path:object_id>/{route}",
            self.admin_site.admin_view(require_POST(view)),
            name=self.url_name(action),
        )

    def service_path(
        self,
        action: str,
        service: Callable[..., Any],
        done: str,
        *,
        id_name: str,
        reason: bool = False,
    ) -> URLPattern:
        """A button that calls one service for the object, as the staff member,
        with the reason they typed if it takes one; `done` is the message, with
        {} for the object. The route is the action, dashed: "issue/"."""

        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            obj = self.object_to_change(request, object_id)
            status_service(request, service, obj, done, id_name=id_name, reason=reason)
            return self.change_page(request, obj)

        return self.status_path(f"{action.replace('_', '-')}/", view, action)

    def object_to_change(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def change_page(self, request: HttpRequest, obj: Any) -> HttpResponseRedirect:
        """Back to the object's page, or to the `next` the button posted."""
        return redirect_next_or(request, self.action_url("change", obj.pk))

    def change_page_again(self, request: HttpRequest, obj: Any, posted: StatusForm) -> HttpResponse:
        """The change page as a GET shows it, with the form just posted kept
        as it was typed, and its errors, in its button's place."""
        shown = copy.copy(request)
        shown.method = "GET"
        shown.POST = QueryDict()
        return self.change_view(
            shown,
            str(obj.pk),
            form_url=self.action_url("change", obj.pk),
            extra_context={"status_posted": posted},
        )
