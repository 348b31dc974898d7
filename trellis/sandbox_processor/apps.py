from django.apps import AppConfig


class SandboxProcessorConfig(AppConfig):
    name = "trellis.sandbox_processor"
    label = "sandbox_processor"
    default_auto_field = "django.db.models.BigAutoField"
