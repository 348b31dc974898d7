"""Which customer a card field is for, carried in the field's URL.

The merchant's server asks for the field (Gateway.card_entry) for one
customer; the URL it gets carries that customer signed with the sandbox's own
secret, as a processor's SetupIntent client secret does. The token the field
makes is then bound to that customer, and another customer cannot save it.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "trellis.sandbox_processor.field_setup"


def field_setup_sign(*, customer: str) -> str:
    return signing.dumps({"customer": customer}, key=settings.SANDBOX_WEBHOOK_SECRET, salt=SALT)


def field_setup_customer(value: str) -> str | None:
    """The customer a signed setup names; None if it was not signed here."""
    try:
        data = signing.loads(value, key=settings.SANDBOX_WEBHOOK_SECRET, salt=SALT)
    except signing.BadSignature:
        return None
    customer = data.get("customer") if isinstance(data, dict) else None
    return customer if isinstance(customer, str) else None
