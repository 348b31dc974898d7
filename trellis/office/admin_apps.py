"""Django's admin app with the raw-data site as its site (trellis/office/admin_site.py).
Named in INSTALLED_APPS, so it imports nothing that needs the apps loaded."""

from django.contrib.admin.apps import AdminConfig


class RawDataAdminConfig(AdminConfig):
    default_site = "trellis.office.admin_site.RawDataSite"
