"""Staff roles in plain words: each is a Django Group with a fixed set of
permissions, written down here once. `roles_ensure()` makes the groups hold
exactly these sets (a data migration runs it; so can the demo's seeding), and
a staff member's role is the one of these groups they belong to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions
from django.db.models import Q

ALL = ("view", "add", "change", "delete")
KEEP = ("view", "add", "change")  # working with records, never deleting them


def _perms(app_label: str, model: str, actions: Iterable[str]) -> set[str]:
    return {f"{app_label}.{action}_{model}" for action in actions}


def _each(app_label: str, models: Iterable[str], actions: Iterable[str]) -> set[str]:
    return {perm for model in models for perm in _perms(app_label, model, actions)}


# Requests, their replies and photos: what a crew works with.
_REQUESTS = (
    _perms("customers", "property", ["view"])
    | _perms("issues", "issue", ["view", "change"])
    | _perms("issues", "comment", ["view", "add"])
    | _perms("issues", "photo", ["view", "add"])
)

_CUSTOMERS_AND_MONEY = (
    _each("customers", ["contact", "property", "propertycontact"], KEEP)
    | {"customers.invite_contact", "customers.delete_propertycontact"}
    | _each("proposals", ["proposal", "proposalitem"], KEEP)
    | _each("billing", ["invoice", "invoiceline", "payment", "paymentmethod"], KEEP)
    | {"billing.delete_paymentmethod", "billing.view_cardsaveattempt"}
    | _each("issues", ["issue", "comment", "photo"], KEEP)
    | _perms("mail", "outgoingemail", ["view", "change"])
    | _perms("mail", "outgoingattachment", ["view"])
    | _perms("inbox", "inboxitem", ["view", "change"])
)

_SETTINGS_AND_STAFF = (
    _perms("company", "company", ["view", "change"])
    | _perms("mail", "emailtemplate", ["view", "change"])
    | _each("accounts", ["user"], ALL)
    | _perms("auth", "group", ["view"])
    | _each("accounts", ["accessattempt", "accesstoken"], ["view"])
    | _perms("audit", "auditentry", ["view"])
    | _perms("imports", "importedrecord", ["view"])
    | _each("customers", ["contact", "property"], ["delete"])
    | _each("proposals", ["proposal", "proposalitem"], ["delete"])
    | _each("billing", ["invoice", "invoiceline"], ["delete"])
    | _each("issues", ["issue", "comment", "photo"], ["delete"])
    # Giving a card payment's money back through the processor.
    | _perms("billing", "paymentrefund", ["view", "add"])
    # Charging many customers' saved methods at once (trellis/office/views/bulk_charges.py).
    | {"bulk_charging.charge_in_bulk"}
)


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    permissions: frozenset[str]  # "app_label.codename"


OFFICE_MANAGER = Role(
    "Office manager",
    "Everything in the office: contacts, properties, proposals, invoices, payments, "
    "requests and email, and also refunds of card payments, charging saved payment "
    "methods in bulk, the company's settings, "
    "email templates and staff.",
    frozenset(_CUSTOMERS_AND_MONEY | _SETTINGS_AND_STAFF),
)
ACCOUNT_MANAGER = Role(
    "Account manager",
    "Contacts, properties, proposals, invoices, payments, requests and email, and "
    "inviting customers to the portal. Not the company's settings or staff.",
    frozenset(_CUSTOMERS_AND_MONEY),
)
CREW_LEAD = Role(
    "Crew lead",
    "Sees properties and requests, replies to requests and changes their status. "
    "Nothing about money: no proposals, invoices or payments, and no contacts' details.",
    frozenset(_REQUESTS),
)
ROLES = (OFFICE_MANAGER, ACCOUNT_MANAGER, CREW_LEAD)
ROLE_NAMES = tuple(role.name for role in ROLES)


def role_named(name: str) -> Role:
    return next(role for role in ROLES if role.name == name)


def roles_ensure(*, apps: Any = installed_apps) -> None:
    """Create the roles' groups, or bring them back to exactly their permissions;
    running it again changes nothing. `apps` is a migration's app registry, when
    a migration runs it: the permissions of models a later migration adds are
    left for that migration to grant (it runs `roles_migrate`). Raises
    LookupError if a permission does not exist (a model was renamed: this
    module must follow)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in ROLES:
        granted = {
            perm for perm in role.permissions if apps is installed_apps or _model_exists(apps, perm)
        }
        wanted = Q(pk__in=[])
        for perm in granted:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(permission_model.objects.filter(wanted))
        if len(permissions) != len(granted):
            found = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
            missing = ", ".join(sorted(granted - found))
            raise LookupError(f"{role.name}: no such permission {missing}")
        group, _ = group_model.objects.get_or_create(name=role.name)
        group.permissions.set(permissions)


def _model_exists(apps: Any, perm: str) -> bool:
    """Whether a migration's registry has the model of "app_label.action_model"
    yet; for a model's own permission (its Meta.permissions, "charge_in_bulk"),
    whose codename names no model, whether the permission was created yet."""
    app_label, codename = perm.split(".")
    action, _, model = codename.partition("_")
    if action not in ALL:
        permission_model = apps.get_model("auth", "Permission")
        return bool(
            permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists()
        )
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


def roles_migrate(apps: Any, schema_editor: Any) -> None:
    """A migration's step giving the roles the permissions of the models it
    adds: Django creates permissions after the last migration, the roles need
    them now. (trellis/accounts/migrations/0006_staff_roles.py made the roles.)"""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    roles_ensure(apps=apps)
