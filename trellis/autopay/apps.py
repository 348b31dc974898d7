from django.apps import AppConfig


class AutopayConfig(AppConfig):
    name = "trellis.autopay"
    label = "autopay"
