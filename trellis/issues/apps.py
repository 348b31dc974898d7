from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "trellis.issues"
    label = "issues"
