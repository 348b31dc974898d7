from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Trellis back office"
admin.site.site_title = "Trellis back office"
admin.site.index_title = "Back office"

handler500 = "trellis.errors.server_error"

urlpatterns = [
    path("office/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", RedirectView.as_view(url=static("portal/favicon.svg"), permanent=True)),
    path("", include("trellis.portal.urls")),
]
