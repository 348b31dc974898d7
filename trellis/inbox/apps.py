from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "trellis.inbox"
    label = "inbox"
    verbose_name = "Inbox"
