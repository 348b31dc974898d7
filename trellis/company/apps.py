from django.apps import AppConfig


class CompanyConfig(AppConfig):
    name = "trellis.company"
    label = "company"
