"""A fix button on the troubleshoot page: what trellis.doctor says staff can
do about a check, or the office's own fix for a rule that stops a contact from
a document."""

from __future__ import annotations

from typing import NamedTuple


class Fix(NamedTuple):
    label: str
    url: str
    method: str = "get"  # "post" for an action (a button with a CSRF token)
