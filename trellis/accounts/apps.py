from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trellis.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from trellis.accounts.middleware import session_clock_start

        user_logged_in.connect(session_clock_start, dispatch_uid="trellis.session_clock")
