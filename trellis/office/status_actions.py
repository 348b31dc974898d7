"""Status buttons on the office's pages.

No office form writes a status (DESIGN.md, "Who owns each fact"): the pages
show it read-only, and each change is a button of its own, a POST-only view
that calls the domain service and comes back to the page saying what
happened, or why not (the service's `Refused.message`). What the office's
pages (trellis/office/views/) share for that is here: the panel, its buttons
and their small forms, and the service calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, QueryDict

from trellis.office.guard import staff_of
from trellis.refusals import Refused

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
