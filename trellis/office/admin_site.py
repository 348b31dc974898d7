"""Django's admin as a superuser's raw-data tool, under /admin/: every model's
rows as stored, to read (trellis/office/admin/). Staff who are not superusers
get 403 on every page of it; signing in, out and changing a password are the
office's own pages; nothing in the workspace links here."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from trellis.office.guard import is_staff


class RawDataSite(AdminSite):
    site_header = "Raw data"
    site_title = "Raw data"
    index_title = "Raw data: every record as stored, for superusers"
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return is_staff(request.user) and request.user.is_superuser

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def superusers_only(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not is_staff(request.user):  # signed out, or a customer
                return redirect_to_login(request.get_full_path(), reverse("office:sign-in"))
            if not request.user.is_superuser:
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return superusers_only

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for the office and its raw data: throttled, audited.
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), reverse("office:sign-in")
        )

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # Through trellis.accounts.passwords, which ends every session and audits it.
        return HttpResponseRedirect(reverse("office:password-change"))
