from django.apps import AppConfig, apps

# Django's and django-otp's apps under the names staff read in the office. Set
# here rather than by listing subclasses of their configs in INSTALLED_APPS:
# django-stubs types request.user only when "django.contrib.auth" is listed.
LIBRARY_APP_NAMES = {
    "auth": "Staff and permissions",  # its one page is staff groups
    "otp_totp": "Two-factor: authenticator apps",
    "otp_static": "Two-factor: recovery codes",
}


class AccountsConfig(AppConfig):
    name = "trellis.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        for label, verbose_name in LIBRARY_APP_NAMES.items():
            apps.get_app_config(label).verbose_name = verbose_name

        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from trellis.accounts import checks  # noqa: F401  (registers the deploy checks)
        from trellis.accounts.middleware import session_clock_start
        from trellis.accounts.sign_in import sign_out_record

        user_logged_in.connect(session_clock_start, dispatch_uid="trellis.session_clock")
        user_logged_out.connect(sign_out_record, dispatch_uid="trellis.sign_out_record")

        # Signing out, or a session timing out, ends a staff member's open preview.
        from trellis.accounts.preview import preview_end_at_sign_out

        user_logged_out.connect(preview_end_at_sign_out, dispatch_uid="trellis.preview_end")

        # Deactivating an account ends its sessions (trellis/accounts/sessions.py).
        from django.db.models.signals import post_save, pre_save

        from trellis.accounts.models import User
        from trellis.accounts.sessions import end_sessions_of_deactivated, note_deactivation

        pre_save.connect(note_deactivation, sender=User, dispatch_uid="trellis.deactivation")
        post_save.connect(
            end_sessions_of_deactivated, sender=User, dispatch_uid="trellis.deactivation"
        )
