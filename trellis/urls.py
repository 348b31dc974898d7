from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Trellis back office"
admin.site.site_title = "Trellis back office"
admin.site.index_title = "Back office"

urlpatterns = [
    path("office/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("trellis.portal.urls")),
]
