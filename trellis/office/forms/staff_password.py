"""The office's forgot password, and setting a password through an emailed link."""

from __future__ import annotations

from django import forms

from trellis.office.forms.account import NewPasswordForm


class PasswordForgotForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordSetForm(NewPasswordForm):
    """The new password typed twice; Django's rules are checked by the service
    (trellis.accounts.staff_passwords.staff_password_set) for the link's owner."""
