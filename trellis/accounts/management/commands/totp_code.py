"""`trellis totp_code EMAIL`: the code an account's authenticator app shows now.

For the demo and development only, where nobody has the phone: it reads the
device's key, so it refuses to run unless DEBUG is on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.selectors import account_for_sign_in_email
from trellis.accounts.two_factor import totp_code_now


class Command(BaseCommand):
    help = "Development only (DEBUG on): print the current two-factor code of an account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The account's sign-in email.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "totp_code reads an account's two-factor key, so it runs only with DEBUG on."
            )
        user = account_for_sign_in_email(email=options["email"])
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if device is None:
            raise CommandError(f"{options['email']} has no authenticator app set up.")
        self.stdout.write(totp_code_now(device))
