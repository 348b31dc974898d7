from django.apps import AppConfig


class BulkChargingConfig(AppConfig):
    name = "trellis.bulk_charging"
    label = "bulk_charging"
    verbose_name = "Bulk charges"
