from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "trellis.documents"
    label = "documents"
