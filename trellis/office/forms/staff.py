"""Adding a staff member and changing their role: no password fields, ever
(staff never set anyone's password), and superuser status is not here."""

from __future__ import annotations

from django import forms

from trellis.accounts.roles import ROLES

ROLE_CHOICES = [(role.name, role.name) for role in ROLES]


class RoleField(forms.ChoiceField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=ROLE_CHOICES, label="Role", **kwargs)  # type: ignore[arg-type]


class StaffAddForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Email", max_length=254, help_text="They sign in to the office with it."
    )
    role = RoleField()


class StaffChangeForm(forms.Form):
    role = RoleField()
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Unticked, they can no longer sign in and are signed out everywhere at once.",
    )
