from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "trellis.portal"
    label = "portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from trellis.portal.preview import preview_end_at_sign_out

        user_logged_out.connect(preview_end_at_sign_out, dispatch_uid="trellis.preview_end")
