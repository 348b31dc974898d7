"""The one kind of error a state change raises when the rules do not allow it."""

from __future__ import annotations


class Refused(Exception):
    """A change someone asked for that the rules do not allow, and why, in words
    the person asking can act on (`message`). Services raise it before they
    change anything; the office shows the message, the import reports it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
