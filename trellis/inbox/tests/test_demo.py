"""The demo has Jane emailed of what customers do (trellis demo_accounts)."""

import io

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from trellis.accounts.models import User
from trellis.imports.services import import_document, parse_document
from trellis.inbox.models import InboxItem
from trellis.inbox.selectors import notification_preferences_of
from trellis.inbox.services import notification_preferences_set

pytestmark = pytest.mark.django_db

DEMO = django_settings.BASE_DIR / "demo" / "demo.json"
Kind = InboxItem.Kind


def test_the_demo_emails_jane_at_once_of_decisions_and_new_requests_and_keeps_her_choice(
    settings,
):
    settings.DEBUG = True
    import_document(data=parse_document(DEMO.read_bytes()))
    call_command("demo_accounts", stdout=io.StringIO())
    jane = User.objects.get(email="jane.smith@greenway.example")
    omar = User.objects.get(email="omar.haddad@greenway.example")

    chosen = notification_preferences_of(user=jane)
    assert chosen[Kind.PROPOSAL_APPROVED] == "immediately"
    assert chosen[Kind.REQUEST_OPENED] == "immediately"
    assert set(notification_preferences_of(user=omar).values()) == {"none"}

    notification_preferences_set(user=jane, deliveries={Kind.REQUEST_OPENED: "digest"})
    call_command("demo_accounts", stdout=io.StringIO())
    assert notification_preferences_of(user=jane)[Kind.REQUEST_OPENED] == "digest"
