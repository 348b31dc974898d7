from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "trellis.proposals"
    label = "proposals"
