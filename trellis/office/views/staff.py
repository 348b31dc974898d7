"""The office's staff pages: who works in the office, their role in plain
words (trellis/accounts/roles.py), and adding someone. No password is set or
shown here (staff set their own through an emailed link,
trellis/office/views/staff_password.py), and superuser status is not changed here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from trellis.accounts.roles import ROLES
from trellis.accounts.staff import (
    StaffChangeRefused,
    staff_member_add,
    staff_member_update,
    staff_members,
    staff_role_of,
)
from trellis.office.forms.staff import StaffAddForm, StaffChangeForm
from trellis.office.guard import staff_of, staff_page
from trellis.office.lists import listing_of

VIEW = "accounts.view_user"
CHANGE = "accounts.change_user"
ADD = "accounts.add_user"


@staff_page(VIEW, methods=("GET",))
def staff_list(request: HttpRequest) -> HttpResponse:
    listing = listing_of(request, staff_members())
    context = {
        "title": "Staff",
        "tab": "staff",
        "listing": listing,
        "rows": [(user, staff_role_of(user)) for user in listing.rows],
        "can_add": request.user.has_perms([ADD, CHANGE]),
    }
    return TemplateResponse(request, "office/staff/list.html", context)


@staff_page(VIEW)
def staff_member_page(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(staff_members(), pk=user_id)
    can_change = request.user.has_perm(CHANGE)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    role = staff_role_of(member)
    form = StaffChangeForm(
        request.POST or None, initial={"role": role, "is_active": member.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = staff_member_update(actor=staff_of(request), user=member, **form.cleaned_data)
        except StaffChangeRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            name = member.get_full_name() or member.email
            messages.success(
                request, f"{name} saved." if changed else "Nothing had changed: nothing saved."
            )
            return redirect("office:staff-member", user_id=member.pk)
    context = {
        "title": member.get_full_name() or member.email,
        "tab": "staff",
        "member": member,
        "role": role,
        "roles": ROLES,
        "form": form,
        "can_change": can_change,
        "no_password_yet": not member.has_usable_password(),
    }
    return TemplateResponse(request, "office/staff/member.html", context)


@staff_page(ADD, CHANGE)
def staff_add(request: HttpRequest) -> HttpResponse:
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = staff_member_add(actor=staff_of(request), **form.cleaned_data)
        except StaffChangeRefused as refusal:
            form.add_error("email", refusal.message)
        else:
            messages.success(
                request, f"{member.get_full_name()} was added as {form.cleaned_data['role']}."
            )
            messages.info(
                request, f"We emailed {member.get_full_name()} a link to set their password."
            )
            return redirect("office:staff-member", user_id=member.pk)
    context = {"title": "Add a staff member", "tab": "staff", "form": form, "roles": ROLES}
    return TemplateResponse(request, "office/staff/add.html", context)
