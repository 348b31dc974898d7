"""A staff member's own account: signing out, and changing their password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_post_parameters

from trellis.accounts.passwords import WrongPassword, password_change
from trellis.office.forms.account import PasswordChangeForm
from trellis.office.guard import staff_button, staff_of, staff_page


@staff_button()
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("office:sign-in")


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@staff_page()
def password_change_page(request: HttpRequest) -> HttpResponse:
    user = staff_of(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except WrongPassword:
            form.add_error("current_password", "Your current password is not correct.")
        except ValidationError as error:
            form.add_error("new_password", error)
        else:
            # Every other session ended with the old password; end this one too.
            logout(request)
            messages.success(request, "Your password is changed. Sign in with the new one.")
            return redirect("office:sign-in")
    status = 400 if form.errors else 200
    return TemplateResponse(
        request,
        "office/account/password_change.html",
        {"title": "Change your password", "form": form},
        status=status,
    )
