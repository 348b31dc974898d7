"""What a troubleshooter check says: a question about one contact, its answer
in words, the verdict, the rows it looked at, and the fix that applies.

Plain data, no UI: the office renders a check and turns its `fix` into a
button (trellis.office.doctor).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """PASS: the answer is what the customer needs. FAIL: something stops
    them that staff can act on. INFO: nothing is wrong, but the answer is not a
    plain yes (never invited, no card saved yet, no account to reset)."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    INFO = "info"


class Fix(StrEnum):
    """What staff can do about a check, named once for the office's buttons."""

    SAVE_PAYMENT_METHOD = "save_payment_method"
    SEND_INVITATION = "send_invitation"
    SEND_PASSWORD_RESET = "send_password_reset"  # noqa: S105 (a button, not a password)


@dataclass(frozen=True)
class Check:
    code: str  # stable: "payment_methods", "content", "invitation", "password_reset"
    verdict: Verdict
    question: str  # "Can Maria Lopez see payment methods?"
    answer: str  # "Yes: 2 saved."
    # The rows the answer rests on, one line each (a card, a property, an email).
    evidence: tuple[str, ...] = ()
    # Worth a look, but not why the answer is what it is: an address tried that
    # is not the contact's, an expired card, a property where a role gives nothing.
    hints: tuple[str, ...] = ()
    fix: Fix | None = None
    advice: str = ""  # what to tell the customer

    @property
    def failed(self) -> bool:
        return self.verdict == Verdict.FAIL

    @property
    def heading(self) -> str:
        return f"{self.question} {self.answer}"
