from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from trellis.office import two_factor as office_two_factor

# The office's header and page titles carry the company's name, not a site
# header (trellis/templates/admin/base_site.html, trellis/office/branding.py).
admin.site.index_title = "Back office"

handler500 = "trellis.errors.server_error"

urlpatterns = [
    # The office's own pages, before the admin's: /office/login/ and /office/
    # answer reverse("admin:login") and reverse("admin:index") too.
    path("office/", include("trellis.office.urls")),
    path("office/two-factor/", include(office_two_factor.urls)),
    path("office/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", RedirectView.as_view(url=static("portal/favicon.svg"), permanent=True)),
    path("", include("trellis.portal.urls")),
]
