"""Staff members: who they are, their role (trellis/accounts/roles.py), and
adding or changing them. Nobody sets a staff member's password here: they set
it themselves through an emailed link (trellis/accounts/staff_passwords.py)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.models import User
from trellis.accounts.roles import OFFICE_MANAGER, ROLE_NAMES
from trellis.accounts.selectors import email_taken_by_another_account
from trellis.accounts.staff_passwords import staff_password_link_send
from trellis.audit.services import audit_record


class StaffChangeRefused(Exception):
    """Why a staff change cannot be made, in words for the office manager."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def staff_members() -> QuerySet[User]:
    """Every staff account, by name, with `has_two_factor` and `role_groups`
    (the role groups it belongs to) loaded in a bounded number of queries."""
    return (
        User.objects.filter(is_staff=True, contact__isnull=True)
        .annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .prefetch_related(
            Prefetch(
                "groups",
                queryset=Group.objects.filter(name__in=ROLE_NAMES).order_by("name"),
                to_attr="role_groups",
            )
        )
        .order_by("last_name", "first_name", "email", "id")
    )


def staff_role_of(user: User) -> str:
    """The name of the staff member's role, or "" when they have none (their
    permissions were given some other way). Reads `role_groups` when loaded."""
    groups = getattr(user, "role_groups", None)
    if groups is None:
        groups = list(user.groups.filter(name__in=ROLE_NAMES).order_by("name"))
    return groups[0].name if groups else ""


def _role_set(user: User, role: str) -> None:
    if role not in ROLE_NAMES:
        raise ValueError(f"Not a role: {role}")
    user.groups.remove(*Group.objects.filter(name__in=ROLE_NAMES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))


def staff_member_add(
    *, actor: User | None, email: str, first_name: str, last_name: str, role: str
) -> User:
    """A new active staff member with `role` and no password, emailed a link
    to set their own (trellis.accounts.staff_passwords) in the same transaction.

    Raises StaffChangeRefused when an account already signs in with the email."""
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        if email_taken_by_another_account(email=email):
            raise StaffChangeRefused(f"Someone already signs in with {email}.")
        user = User.objects.create_user(
            email, None, first_name=first_name, last_name=last_name, is_staff=True
        )
        _role_set(user, role)
        audit_record(action="user.created", target=user, actor=actor, data={"role": role})
        staff_password_link_send(user=user, sent_by=actor)
    return user


def _managing_the_office() -> Q:
    memberships = User.groups.through.objects.filter(group__name=OFFICE_MANAGER.name)
    return Q(is_superuser=True) | Q(pk__in=memberships.values("user_id"))


def staff_member_update(*, actor: User, user: User, role: str, is_active: bool) -> list[str]:
    """Give the staff member `role` and make them active or not; returns what
    changed ("role", "active"). Deactivating someone ends their sessions
    (trellis/accounts/sessions.py).

    Raises StaffChangeRefused when the actor would deactivate themselves, or
    when the change would leave no active Office manager or superuser to manage
    staff and settings."""
    with transaction.atomic():
        # Locked, so two managers demoting each other at once cannot both succeed.
        managers = set(
            User.objects.select_for_update()
            .filter(_managing_the_office(), is_active=True, is_staff=True)
            .values_list("pk", flat=True)
        )
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = []
        if role != staff_role_of(user):
            changed.append("role")
        if is_active != user.is_active:
            changed.append("active")
        if not changed:
            return []
        if not is_active and user.pk == actor.pk:
            raise StaffChangeRefused("You cannot deactivate yourself.")
        still_manages = is_active and (user.is_superuser or role == OFFICE_MANAGER.name)
        if user.pk in managers and not still_manages and len(managers) == 1:
            raise StaffChangeRefused(
                f"{user.get_full_name() or user.email} is the last active Office manager: "
                "make someone else Office manager first, so somebody can still manage "
                "staff and settings."
            )
        _role_set(user, role)
        if "active" in changed:
            user.is_active = is_active
            user.save(update_fields=["is_active"])
        audit_record(
            action="user.changed",
            target=user,
            actor=actor,
            data={"changes": changed, "role": role, "active": is_active},
        )
    return changed
