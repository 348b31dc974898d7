from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "trellis.office"
    label = "office"
