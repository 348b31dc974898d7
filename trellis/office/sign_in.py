"""The office's sign-in page at /office/login/, in place of the admin's own:
the same protection as the portal's (trellis.accounts.sign_in), staff only."""

from __future__ import annotations

from django import forms
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
from trellis.office.guard import is_staff

BACKEND = "trellis.accounts.backends.EmailBackend"


class OfficeSignInForm(forms.Form):
    # Named like the admin's form: the admin's login URL is this page too.
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
    if request.method == "GET" and is_staff(request.user):
        return redirect("office:home")
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
            response = redirect(next_page_or(request, "office:home"))
            device_remember(request=request, response=response, user=user)
            return response
    context = {
        "title": "Sign in",
        "app_path": request.get_full_path(),
        "form": form,
        REDIRECT_FIELD_NAME: next_page_or(request, reverse("office:home")),
    }
    return render(request, "office/sign_in.html", context)
