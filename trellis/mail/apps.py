from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _default_templates(sender: AppConfig, **kwargs: Any) -> None:
    from trellis.mail.compose import email_templates_ensure_defaults

    email_templates_ensure_defaults()


class MailConfig(AppConfig):
    name = "trellis.mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self) -> None:
        post_migrate.connect(_default_templates, sender=self)
