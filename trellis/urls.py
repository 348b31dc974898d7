from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from trellis.office import two_factor as office_two_factor

handler500 = "trellis.errors.server_error"

urlpatterns = [
    path("office/", include("trellis.office.urls")),
    path("office/two-factor/", include(office_two_factor.urls)),
    # Django's admin: the superuser's raw data (trellis/office/admin_site.py).
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The icon's hashed name is looked up at the first request, not at import:
    # checks and migrate run before collectstatic has written the manifest.
    # Not permanent: browsers would keep a 301 to one hash for good.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("portal/favicon.svg"))),
    # Processors tell Trellis what became of a payment (trellis/webhooks).
    path("webhooks/", include("trellis.webhooks.urls")),
    path("", include("trellis.portal.urls")),
]
if settings.SANDBOX_PROCESSOR_ENABLED:
    # The sandbox processor's card field, API and bank prompt, as if on its own site.
    urlpatterns.insert(0, path("sandbox-processor/", include("trellis.sandbox_processor.urls")))
