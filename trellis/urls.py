from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Trellis back office"
admin.site.site_title = "Trellis back office"
admin.site.index_title = "Back office"

urlpatterns = [
    path("office/", admin.site.urls),
    # The customer portal arrives with its own issue; until then the root leads staff in.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
