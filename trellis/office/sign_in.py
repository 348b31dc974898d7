"""The office's sign-in page at /office/login/, in place of the admin's own:
the same protection as the portal's (trellis.accounts.sign_in), staff only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from trellis.accounts.devices import device_remember
from trellis.accounts.models import AccessAttempt
from trellis.accounts.sign_in import SignInRefused, sign_in_check
from trellis.next_page import next_page_or

BACKEND = "trellis.accounts.backends.EmailBackend"


class OfficeSignInForm(forms.Form):
    # Named like the admin's form, so its login template renders this one.
    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def office_sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and admin.site.has_permission(request):
        return redirect("admin:index")
    form = OfficeSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_in_check(
                request=request,
                email=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                side=AccessAttempt.Side.OFFICE,
            )
        except SignInRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            login(request, user, backend=BACKEND)
            response = redirect(next_page_or(request, "admin:index"))
            device_remember(request=request, response=response, user=user)
            return response
    request.current_app = admin.site.name
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
        "form": form,
        REDIRECT_FIELD_NAME: next_page_or(request, reverse("admin:index")),
    }
    return render(request, "office/sign_in.html", context)
