from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "trellis.issues"
    label = "issues"
    # The portal's word for them.
    verbose_name = "Requests"

    def ready(self) -> None:
        from trellis.issues.photos import pillow_limit_set

        pillow_limit_set()
