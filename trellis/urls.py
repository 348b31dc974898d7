from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from trellis.office import inbox as office_inbox
from trellis.office import two_factor as office_two_factor
from trellis.office.sign_in import office_sign_in

# The office's header and page titles carry the company's name, not a site
# header (trellis/templates/admin/base_site.html, trellis/office/branding.py).
admin.site.index_title = "Back office"

handler500 = "trellis.errors.server_error"

urlpatterns = [
    # Before the admin's URLs, so it answers /office/login/ (reverse("admin:login") too).
    path("office/login/", office_sign_in, name="office-sign-in"),
    path("office/two-factor/", include(office_two_factor.urls)),
    # The office's home is the inbox: before the admin's URLs, so it answers
    # /office/ (reverse("admin:index") too).
    path("office/", office_inbox.office_home, name="office-home"),
    path("office/inbox/mark/", office_inbox.inbox_item_mark, name="office-inbox-mark"),
    path(
        "office/inbox/email-me/",
        office_inbox.inbox_preferences,
        name="office-inbox-preferences",
    ),
    path("office/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", RedirectView.as_view(url=static("portal/favicon.svg"), permanent=True)),
    path("", include("trellis.portal.urls")),
]
