"""`trellis demo_accounts`: passwords for the demo's people, after `trellis import demo/demo.json`.

For a demonstration only: it sets passwords everyone can read in this file,
so it refuses to run unless DEBUG is on. Run again (every `make demo` does), it
leaves alone a password someone has set since: a customer who changed theirs
in the portal keeps it, and stays signed in.

The demo's staff hold plain roles: Jane Smith is the Office manager, and a
superuser (the raw data under /admin/ is hers); Omar Haddad is an Account
manager. Both must sign in with two factors (they may change money): each gets
an authenticator app (a TOTP key made here, once, and kept on later runs), and
the output says how to get its codes without a phone (`trellis totp_code`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.models import User
from trellis.accounts.roles import ACCOUNT_MANAGER, OFFICE_MANAGER, ROLE_NAMES, roles_ensure
from trellis.accounts.two_factor import DEVICE_NAME, totp_key_text
from trellis.customers.models import Contact
from trellis.inbox.models import InboxItem, NotificationPreference
from trellis.inbox.services import notification_preferences_set

STAFF_EMAILS = ("jane.smith@greenway.example", "omar.haddad@greenway.example")
# Each demo staff member's role (trellis/accounts/roles.py); the first is a superuser too.
STAFF_ROLES = {
    "jane.smith@greenway.example": OFFICE_MANAGER.name,
    "omar.haddad@greenway.example": ACCOUNT_MANAGER.name,
}
STAFF_PASSWORD = "demo-staff-2026"  # noqa: S105 - a published demo password
# Maria Lopez sees two properties' content; Sarah Mitchell-Hayes is Primary
# where someone else is Billing; Kevin Walsh holds only "other" roles and sees
# nothing. See demo/README.md.
CUSTOMER_EXTERNAL_IDS = ("C-1001", "C-1003", "C-1014")
CUSTOMER_PASSWORD = "demo-customer-2026"  # noqa: S105 - a published demo password
# What the first demo staff member (Jane) is emailed of at once (the office's inbox).
DEMO_NOTIFICATIONS: dict[str, str] = {
    InboxItem.Kind.PROPOSAL_APPROVED: NotificationPreference.Delivery.IMMEDIATELY,
    InboxItem.Kind.PROPOSAL_DECLINED: NotificationPreference.Delivery.IMMEDIATELY,
    InboxItem.Kind.REQUEST_OPENED: NotificationPreference.Delivery.IMMEDIATELY,
    InboxItem.Kind.REQUEST_COMMENTED: NotificationPreference.Delivery.DIGEST,
    InboxItem.Kind.EMAIL_FAILED: NotificationPreference.Delivery.DIGEST,
}


class Command(BaseCommand):
    help = (
        "Demo only (DEBUG on): give the demo staff their roles and a password "
        "(Jane superuser rights too), and three demo contacts a portal account."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_accounts sets well-known passwords and superuser rights, so it runs "
                "only with DEBUG on. Set DEBUG=1 in a development environment."
            )
        with transaction.atomic():
            roles_ensure()
            staff = [self.staff_user(email) for email in STAFF_EMAILS]
            apps = [self.staff_app(user) for user, _kept in staff]
            customers = [self.customer_account(xid) for xid in CUSTOMER_EXTERNAL_IDS]
            self.staff_notifications(staff[0][0])

        self.stdout.write(self.style.SUCCESS("Demo accounts are ready."))
        self.stdout.write(f"\nStaff (back office), password: {STAFF_PASSWORD}")
        for user, kept in staff:
            role = STAFF_ROLES[str(user.email)] + (", superuser" if user.is_superuser else "")
            name = user.get_full_name()
            self.stdout.write(f"  {user.email}  ({name}, {role}){KEPT if kept else ''}")
        self.stdout.write(
            "  then a code from an authenticator app (two-factor sign-in). Add the key to an app:"
        )
        for (user, _kept), app in zip(staff, apps, strict=True):
            self.stdout.write(f"  {user.email}  key: {totp_key_text(app)}")
        self.stdout.write(
            f"  or print the current code: DEBUG=true .venv/bin/trellis totp_code {STAFF_EMAILS[0]}"
        )
        self.stdout.write(f"\nCustomers (portal), password: {CUSTOMER_PASSWORD}")
        for account, kept in customers:
            name = account.get_full_name()
            self.stdout.write(f"  {account.login_email}  ({name}){KEPT if kept else ''}")

    def staff_user(self, email: str) -> tuple[User, bool]:
        user = User.objects.filter(email__iexact=email, contact__isnull=True).first()
        if user is None:
            raise CommandError(f"No staff user {email}: run `trellis import demo/demo.json` first.")
        user.is_staff = True
        user.is_superuser = email == STAFF_EMAILS[0]
        user.is_active = True
        kept = _keeps_password(user, STAFF_PASSWORD)
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=ROLE_NAMES))
        user.groups.add(Group.objects.get(name=STAFF_ROLES[email]))
        return user, kept

    def staff_app(self, user: User) -> TOTPDevice:
        """The staff member's authenticator app: the one set up already, kept so
        an app that added its key before still works, or a new one."""
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        return device

    def staff_notifications(self, user: User) -> None:
        """Jane is emailed at once of customers' decisions and new requests: set
        once, so a choice she made since in the office stays."""
        if not NotificationPreference.objects.filter(user=user).exists():
            notification_preferences_set(user=user, deliveries=DEMO_NOTIFICATIONS)

    def customer_account(self, external_id: str) -> tuple[User, bool]:
        contact = Contact.objects.filter(external_id=external_id).first()
        if contact is None:
            raise CommandError(
                f"No contact {external_id}: run `trellis import demo/demo.json` first."
            )
        if not contact.email:
            raise CommandError(f"Contact {external_id} has no email to sign in with.")
        # A customer account has no email of its own: it signs in with the contact's.
        account, _ = User.objects.get_or_create(contact=contact, defaults={"email": None})
        account.is_active = True
        kept = _keeps_password(account, CUSTOMER_PASSWORD)
        account.save()
        return account, kept


KEPT = "  - keeps the password set since"


def _keeps_password(user: User, demo_password: str) -> bool:
    """Give the user the demo password unless they have one already: whether
    they kept their own (someone changed it since the demo set it)."""
    if user.password and user.has_usable_password():
        return not user.check_password(demo_password)
    user.set_password(demo_password)
    return False
