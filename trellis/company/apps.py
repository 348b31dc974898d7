from django.apps import AppConfig


class CompanyConfig(AppConfig):
    name = "trellis.company"
    label = "company"

    def ready(self) -> None:
        # Every save or delete of the row, a service's or an import's, and a
        # queryset's delete: other processes read it anew once it commits.
        from django.db.models.signals import post_delete, post_save

        from trellis.company.cache import company_cache_forget
        from trellis.company.models import Company

        post_save.connect(company_cache_forget, sender=Company, dispatch_uid="trellis.company")
        post_delete.connect(company_cache_forget, sender=Company, dispatch_uid="trellis.company")
