"""Accounts, roles, sign-in attempts and emailed links, as stored. Staff
members and their roles are managed on office:staff; customers' accounts come
from accepting an invitation, and their passwords are theirs alone."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group

from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.office.admin.raw_data import RawDataAdmin


@admin.register(User)
class UserAdmin(RawDataAdmin):
    list_display = ["email", "first_name", "last_name", "contact", "is_staff", "is_superuser"]
    list_display += ["is_active", "last_login", "date_joined"]
    list_select_related = ["contact"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "contact__email"]
    ordering = ["-date_joined", "-id"]
    # Never a password hash, not even for a superuser.
    exclude = ["password"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(RawDataAdmin):
    list_display = ["name"]
    filter_horizontal = ["permissions"]


@admin.register(AccessAttempt)
class AccessAttemptAdmin(RawDataAdmin):
    list_display = ["created_at", "side", "kind", "email_tried", "result", "ip_address", "user"]
    list_filter = ["side", "kind", "result"]
    list_select_related = ["user__contact"]
    search_fields = ["email_tried", "=ip_address", "user__contact__email"]
    ordering = ["-created_at", "-id"]


@admin.register(AccessToken)
class AccessTokenAdmin(RawDataAdmin):
    list_display = ["created_at", "purpose", "contact", "user", "sent_to", "expires_at", "used_at"]
    list_filter = ["purpose"]
    list_select_related = ["contact", "user"]
    search_fields = ["sent_to", "contact__first_name", "contact__last_name", "contact__email"]
    ordering = ["-created_at", "-id"]
    # The digest of a link's token is of no use to anyone reading it.
    exclude = ["token_hash"]
