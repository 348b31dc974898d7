import pytest
from django.contrib.auth.models import Group

from trellis.accounts.roles import ACCOUNT_MANAGER, CREW_LEAD, OFFICE_MANAGER
from trellis.accounts.staff import (
    StaffChangeRefused,
    staff_member_add,
    staff_member_update,
    staff_role_of,
)
from trellis.audit.models import AuditEntry
from trellis.testing.factories import ContactFactory, CustomerAccountFactory, StaffFactory

pytestmark = pytest.mark.django_db


def with_role(role_name: str, **fields):
    user = StaffFactory(**fields)
    user.groups.add(Group.objects.get(name=role_name))
    return user


def test_adding_makes_an_active_staff_member_with_the_role_and_no_password(staff):
    member = staff_member_add(
        actor=staff,
        email="Sam@Greenway.example",
        first_name="Sam",
        last_name="Reyes",
        role=CREW_LEAD.name,
    )

    assert member.is_staff and member.is_active and not member.is_superuser
    assert member.email == "Sam@greenway.example"
    assert not member.has_usable_password()
    assert staff_role_of(member) == CREW_LEAD.name
    entry = AuditEntry.objects.get(action="user.created")
    assert (entry.actor, entry.data) == (staff, {"role": CREW_LEAD.name})


@pytest.mark.parametrize(
    "email", ["JANE@greenway.example", "maria@example.com"], ids=["staff", "customer"]
)
def test_adding_refuses_an_email_someone_already_signs_in_with(staff, email):
    CustomerAccountFactory(contact=ContactFactory(email="maria@example.com"))
    with pytest.raises(StaffChangeRefused, match="Someone already signs in with"):
        staff_member_add(
            actor=staff, email=email, first_name="J", last_name="S", role=CREW_LEAD.name
        )


def test_changing_the_role_replaces_the_old_one_and_is_audited(staff):
    member = with_role(ACCOUNT_MANAGER.name)

    changed = staff_member_update(actor=staff, user=member, role=CREW_LEAD.name, is_active=True)

    assert changed == ["role"]
    assert list(member.groups.values_list("name", flat=True)) == [CREW_LEAD.name]
    entry = AuditEntry.objects.filter(action="user.changed", actor=staff).get()
    assert entry.data == {"changes": ["role"], "role": CREW_LEAD.name, "active": True}


def test_deactivating_someone_is_audited(staff):
    member = with_role(CREW_LEAD.name)

    assert staff_member_update(actor=staff, user=member, role=CREW_LEAD.name, is_active=False) == [
        "active"
    ]

    member.refresh_from_db()
    assert not member.is_active


def test_nothing_changed_writes_nothing(staff):
    member = with_role(CREW_LEAD.name)
    before = AuditEntry.objects.count()
    assert staff_member_update(actor=staff, user=member, role=CREW_LEAD.name, is_active=True) == []
    assert AuditEntry.objects.count() == before


def test_nobody_deactivates_themselves():
    manager = with_role(OFFICE_MANAGER.name)
    with_role(OFFICE_MANAGER.name)
    with pytest.raises(StaffChangeRefused, match="You cannot deactivate yourself"):
        staff_member_update(actor=manager, user=manager, role=OFFICE_MANAGER.name, is_active=False)


def test_the_last_active_office_manager_keeps_the_role():
    manager = with_role(OFFICE_MANAGER.name)
    with_role(OFFICE_MANAGER.name, is_active=False)
    with_role(ACCOUNT_MANAGER.name)

    with pytest.raises(StaffChangeRefused, match="is the last active Office manager"):
        staff_member_update(actor=manager, user=manager, role=CREW_LEAD.name, is_active=True)

    assert staff_role_of(manager) == OFFICE_MANAGER.name


def test_the_last_office_manager_cannot_be_deactivated_by_someone_else():
    manager = with_role(OFFICE_MANAGER.name)
    clerk = with_role(ACCOUNT_MANAGER.name)
    with pytest.raises(StaffChangeRefused, match="is the last active Office manager"):
        staff_member_update(actor=clerk, user=manager, role=OFFICE_MANAGER.name, is_active=False)


def test_an_active_superuser_keeps_the_office_managed(staff):
    manager = with_role(OFFICE_MANAGER.name)

    staff_member_update(actor=staff, user=manager, role=CREW_LEAD.name, is_active=True)

    assert staff_role_of(manager) == CREW_LEAD.name


def test_a_superuser_may_change_role_since_they_manage_the_office_whatever_it_is(staff):
    assert staff_member_update(actor=staff, user=staff, role=CREW_LEAD.name, is_active=True) == [
        "role"
    ]
