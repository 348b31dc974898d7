import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import get_resolver, reverse

from trellis.accounts.roles import (
    ACCOUNT_MANAGER,
    CREW_LEAD,
    OFFICE_MANAGER,
    ROLE_NAMES,
    ROLES,
    roles_ensure,
)
from trellis.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db


def member_of(role_name: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=role_name))
    return user


def group_permissions(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def office_page_permissions() -> set[str]:
    resolver = get_resolver("trellis.office.urls")
    return {
        perm
        for pattern in resolver.url_patterns
        for perm in getattr(pattern.callback, "office_permissions", ())
    }


def test_the_migration_made_the_roles_groups_with_their_permissions():
    for role in ROLES:
        assert group_permissions(role.name) == role.permissions


def test_running_it_again_changes_nothing():
    roles_ensure()
    roles_ensure()
    assert Group.objects.filter(name__in=ROLE_NAMES).count() == 3
    for role in ROLES:
        assert group_permissions(role.name) == role.permissions


def test_it_puts_a_group_back_to_exactly_its_role():
    crew = Group.objects.get(name=CREW_LEAD.name)
    crew.permissions.add(Permission.objects.get(codename="view_invoice"))
    crew.permissions.remove(Permission.objects.get(codename="change_issue"))

    roles_ensure()

    assert group_permissions(CREW_LEAD.name) == CREW_LEAD.permissions


def test_it_creates_the_groups_when_they_are_gone():
    Group.objects.filter(name__in=ROLE_NAMES).delete()
    roles_ensure()
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_NAMES)


def test_an_office_manager_may_open_every_office_page():
    assert office_page_permissions() <= OFFICE_MANAGER.permissions


def test_an_account_manager_has_nothing_of_settings_or_staff():
    apps = {perm.split(".")[0] for perm in ACCOUNT_MANAGER.permissions}
    assert apps.isdisjoint({"company", "accounts", "auth", "audit"})
    assert (
        not {"mail.view_emailtemplate", "mail.change_emailtemplate"} & ACCOUNT_MANAGER.permissions
    )
    assert ACCOUNT_MANAGER.permissions < OFFICE_MANAGER.permissions


def test_a_crew_lead_has_nothing_about_money():
    apps = {perm.split(".")[0] for perm in CREW_LEAD.permissions}
    assert apps.isdisjoint({"billing", "proposals", "company", "accounts", "mail"})
    assert CREW_LEAD.permissions < ACCOUNT_MANAGER.permissions


def test_a_crew_lead_cannot_see_invoices(client):
    crew_lead = member_of(CREW_LEAD.name)
    client.force_login(crew_lead)

    assert not crew_lead.has_perm("billing.view_invoice")
    assert client.get(reverse("office:invoices")).status_code == 403


def test_a_crew_lead_sees_requests_and_may_reply_and_change_them(client):
    crew_lead = member_of(CREW_LEAD.name)
    client.force_login(crew_lead)

    assert crew_lead.has_perms(["issues.view_issue", "issues.add_comment", "issues.change_issue"])
    assert client.get(reverse("office:requests")).status_code == 200


def test_an_account_manager_cannot_open_the_settings_or_staff(client):
    client.force_login(member_of(ACCOUNT_MANAGER.name))

    assert client.get(reverse("office:invoices")).status_code == 200
    assert client.get(reverse("office:settings")).status_code == 403
    assert client.get(reverse("office:staff")).status_code == 403
