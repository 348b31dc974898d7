from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "trellis.webhooks"
    label = "webhooks"
    verbose_name = "Payment processor webhooks"
