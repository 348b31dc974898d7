"""Email as the tests queue it: through the outbox service, like every action."""

from django.db import transaction

from trellis.mail.models import OutgoingEmail
from trellis.mail.senders import Sender
from trellis.mail.services import email_queue
from trellis.testing.factories import ContactFactory

JANE = Sender(
    from_header='"Jane Smith via Greenway Landscaping" <portal@greenway.example>',
    reply_to="jane@greenway.example",
)


def queue_email(**overrides) -> OutgoingEmail:
    """An invitation to a new contact, queued in its own transaction as an action would.

    Its delivery task runs only where the test executes on-commit callbacks
    (pytest-django keeps each test in one transaction that never commits).
    """
    contact = overrides.pop("contact", None) or ContactFactory()
    fields = {
        "kind": OutgoingEmail.Kind.INVITATION,
        "to": contact.email,
        "subject": "Your Greenway Landscaping portal",
        "text": "Accept your invitation: https://portal.example/invitation/abc123/",
        "html": '<p><a href="https://portal.example/invitation/abc123/">Accept</a></p>',
        "sender": JANE,
        "contact": contact,
        **overrides,
    }
    with transaction.atomic():
        return email_queue(**fields)
