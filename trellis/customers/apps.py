from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "trellis.customers"
    label = "customers"
