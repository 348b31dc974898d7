"""The words of the office's permission table (trellis/tests/test_permission_matrix.py):
what one method of one office URL answers each kind of staff member. Each
area's entries are in trellis/tests/office_permissions/."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """What staff get from one method of one URL.

    `needs` is None when every staff member gets `ok`; otherwise staff with
    exactly those permissions (and superusers) get `ok`, staff without get
    `refused`, even with every other permission unless `sole` is False.
    `lands` is where an `ok` redirect must go, when it matters. A page of the
    raw data (`superusers_only`) answers `ok` to superusers and 403 to every
    other staff member, whatever they hold."""

    needs: tuple[str, ...] | None
    ok: frozenset[int]
    refused: int = 403
    lands: str = ""
    sole: bool = True
    superusers_only: bool = False


@dataclass(frozen=True)
class Entry:
    get: Answer
    post: Answer
    # Data a POST needs to reach the permission check (the item to mark…).
    posted: tuple[str, ...] = ()


def shows(*needs: str, refused: int = 403) -> Answer:
    return Answer(needs, frozenset({200}), refused)


def changes(*needs: str, ok: tuple[int, ...] = (200, 302), lands: str = "") -> Answer:
    """A POST that changes something, or shows its form again with what was wrong."""
    return Answer(needs, frozenset(ok), lands=lands)


def every_staff_member(*ok: int) -> Answer:
    return Answer(None, frozenset(ok))


NOBODY = every_staff_member(403)  # records only the system writes: not even a superuser
GET_NOT_ALLOWED = every_staff_member(405)  # a button: it answers POST only


def button(
    *needs: str, ok: tuple[int, ...] = (302,), lands: str = "", posted: tuple[str, ...] = ()
) -> Entry:
    """A POST-only button on an object's page."""
    return Entry(GET_NOT_ALLOWED, changes(*needs, ok=ok, lands=lands), posted)


EVERY_STAFF_PAGE = Entry(every_staff_member(200), every_staff_member(200))


def superusers(*ok: int) -> Answer:
    """A page of the raw data (Django's admin under /admin/)."""
    return Answer(None, frozenset(ok), superusers_only=True)


def raw_data_pages(label: str, *, deletable: bool = False) -> dict[str, Entry]:
    """The pages Django's admin gives a model, for reading: a superuser sees
    the list, a record and its history, and adds and changes nothing;
    `deletable` records (a lost phone's device) are deleted by a superuser."""
    app_label, model = label.split(".")
    read = Entry(superusers(200), superusers(200))  # an empty POST to a list runs no action
    never = Entry(superusers(403), superusers(403))
    pages = {
        "changelist": read,
        "history": Entry(superusers(200), superusers(200)),
        "add": never,
        "change": Entry(superusers(200), superusers(403)),
        # An empty POST to delete is not the confirmation: the question again.
        "delete": Entry(superusers(200), superusers(200)) if deletable else never,
    }
    return {f"admin:{app_label}_{model}_{page}": entry for page, entry in pages.items()}
