"""Who an email says it is from (DESIGN.md, "Email sender rule")."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from trellis.accounts.models import User
from trellis.company.models import Company
from trellis.mail.headers import header_safe


@dataclass(frozen=True)
class Sender:
    from_header: str
    reply_to: str = ""


def sender_for_company(*, company: Company) -> Sender:
    return Sender(from_header=formataddr((header_safe(company.name), company.sending_address)))


def sender_on_behalf_of(*, staff: User, company: Company) -> Sender:
    """An email a staff member sends, such as an invitation.

    The customer sees the staff member's name ("Jane Smith via Greenway
    Landscaping") and replies reach them. The From address is theirs only when
    the company has verified their domain for sending: DMARC judges the From
    domain, and an unverified one would land the email in spam.
    """
    staff_address = staff.email or ""
    domain = staff_address.rpartition("@")[2]
    address = staff_address if company.sends_for_domain(domain) else company.sending_address
    # Names are whatever staff typed: a line break in one would make every
    # email from this staff member impossible to send.
    name = header_safe(f"{staff.get_full_name() or staff_address} via {company.name}")
    return Sender(from_header=formataddr((name, address)), reply_to=header_safe(staff_address))
