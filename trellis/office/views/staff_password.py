"""Staff passwords by email (trellis/accounts/staff_passwords.py): the office's
forgot password and the page of a set-password link, both open to signed-out
visitors (someone without a password cannot sign in), and the staff-member
page's button that sends a link. Nobody is shown or given a password here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from trellis.accounts.attempts import bad_link_posted, link_guessing_stopped
from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.staff import staff_members
from trellis.accounts.staff_passwords import (
    StaffLinkRefused,
    staff_password_link_send,
    staff_password_reset_request,
    staff_password_set,
)
from trellis.accounts.tokens import TokenInvalid, token_find
from trellis.office.forms.staff_password import PasswordForgotForm, PasswordSetForm
from trellis.office.guard import staff_button, staff_of
from trellis.request_context import client_ip

LINK = AccessAttempt.Kind.RESET_LINK
OFFICE = AccessAttempt.Side.OFFICE


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    form = PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same page whatever was typed: it tells nobody who works here.
        staff_password_reset_request(email=form.cleaned_data["email"], ip=client_ip(request))
        context = {"title": "Check your email", "email": form.cleaned_data["email"]}
        return render(request, "office/account/password_forgot_sent.html", context)
    context = {"title": "Forgot your password?", "form": form}
    return render(request, "office/account/password_forgot.html", context)


@sensitive_post_parameters("new_password", "new_password_again")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_set(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows the form; mail scanners that open links use nothing up.
    if request.method == "POST" and link_guessing_stopped(
        kind=LINK, side=OFFICE, ip=client_ip(request)
    ):
        return _link_refused(request, status=429)
    try:
        link = token_find(raw=token, purpose=AccessToken.Purpose.STAFF_PASSWORD)
    except TokenInvalid:
        return _link_refused(request)
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_password_set(raw_token=token, password=form.cleaned_data["new_password"])
        except TokenInvalid:
            return _link_refused(request)
        except ValidationError as error:
            form.add_error("new_password", error)
        else:
            logout(request)  # whoever this browser was signed in as: nobody is now
            messages.success(request, "Your password is set. Sign in with it.")
            return redirect("office:sign-in")
    context = {"title": "Set your password", "form": form, "member": link.user}
    return render(request, "office/account/password_set.html", context)


def _link_refused(request: HttpRequest, *, status: int = 404) -> HttpResponse:
    """A link that does not work, answered like the portal's: 404, one page
    for every reason. A POST of one is recorded, and too many from one address
    in an hour are refused for a while (429: someone is guessing links)."""
    if request.method == "POST" and status != 429:  # a refused post is recorded already
        bad_link_posted(kind=LINK, side=OFFICE, ip=client_ip(request))
    context = {"title": "This link no longer works", "throttled": status == 429}
    return render(request, "office/account/password_link_invalid.html", context, status=status)


@staff_button("accounts.change_user")
def staff_member_password_link(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(staff_members(), pk=user_id)
    try:
        staff_password_link_send(user=member, sent_by=staff_of(request))
    except StaffLinkRefused as refusal:
        messages.error(request, refusal.message)
    else:
        name = member.get_full_name() or member.email
        messages.success(request, f"We emailed {name} a link to set a new password.")
    return redirect("office:staff-member", user_id=member.pk)
