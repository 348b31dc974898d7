"""What the troubleshoot page shows for each check: passed or failed, its
lines in plain words, and the fix where there is one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Fix(NamedTuple):
    label: str
    url: str
    method: str = "get"  # "post" for an action (a button with a CSRF token)


@dataclass(frozen=True)
class Check:
    title: str
    passed: bool
    lines: list[str] = field(default_factory=list)
    fix: Fix | None = None
    # Names the check for the page, which shows the document chooser under "content".
    key: str = ""
