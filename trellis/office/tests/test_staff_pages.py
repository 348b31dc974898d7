import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.models import User
from trellis.accounts.roles import ACCOUNT_MANAGER, CREW_LEAD, OFFICE_MANAGER
from trellis.audit.models import AuditEntry
from trellis.office.tests.query_counts import assert_queries_do_not_grow
from trellis.office.tests.settings_world import staff_holding
from trellis.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db

STAFF = reverse("office:staff")
ADD = reverse("office:staff-add")
VIEW = "accounts.view_user"
CHANGE = "accounts.change_user"


def page_of(member: User) -> str:
    return reverse("office:staff-member", kwargs={"user_id": member.pk})


def in_role(member: User, role_name: str) -> User:
    member.groups.add(Group.objects.get(name=role_name))
    return member


# --- The list ----------------------------------------------------------------


def test_the_list_shows_each_staff_member_with_role_two_factor_and_last_sign_in(office, staff):
    sam = in_role(StaffFactory(first_name="Sam", last_name="Reyes"), CREW_LEAD.name)
    sam.last_login = timezone.now()
    sam.save()
    TOTPDevice.objects.create(user=sam, name="Phone", confirmed=True)
    in_role(StaffFactory(first_name="Ann", last_name="Lee", is_active=False), ACCOUNT_MANAGER.name)

    response = office.get(STAFF)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(m.get_full_name(), role) for m, role in rows][:2] == [
        ("Ann Lee", ACCOUNT_MANAGER.name),
        ("Sam Reyes", CREW_LEAD.name),
    ]
    assert page_of(sam) in response.text
    assert "Superuser" in response.text  # Jane
    assert "Deactivated" in response.text
    assert '<span class="badge ok">Set up</span>' in response.text
    assert 'aria-current="page">Staff</a>' in response.text
    assert "Add a staff member" in response.text


def test_the_list_leaves_customers_out(office, alice):
    response = office.get(STAFF)
    assert all(not member.is_customer for member, _ in response.context["rows"])


def test_staff_who_may_only_view_get_no_add_button(client):
    client.force_login(staff_holding(VIEW))
    response = client.get(STAFF)
    assert response.status_code == 200
    assert ADD not in response.text


def test_the_list_needs_the_view_permission(client):
    client.force_login(staff_holding("company.view_company"))
    assert client.get(STAFF).status_code == 403


def test_the_list_runs_the_same_queries_for_5_and_500_staff(office):
    crew = Group.objects.get(name=CREW_LEAD.name)

    def add_staff(n: int) -> None:
        start = User.objects.count()
        users = User.objects.bulk_create(
            User(email=f"crew{start + i}@greenway.example", is_staff=True, password="!")
            for i in range(n)
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=crew.pk) for user in users
        )
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=user, name="Phone", confirmed=True) for user in users[::2]
        )

    assert_queries_do_not_grow(office, STAFF, add_rows=add_staff)


# --- A staff member ----------------------------------------------------------


def test_a_staff_member_s_page_shows_their_details_and_the_roles_in_words(client):
    sam = in_role(StaffFactory(first_name="Sam", last_name="Reyes"), CREW_LEAD.name)
    client.force_login(staff_holding(VIEW))

    response = client.get(page_of(sam))

    assert response.status_code == 200
    assert "Sam Reyes" in response.text
    assert escape(CREW_LEAD.description) in response.text
    assert 'name="role"' not in response.text  # seen, not changed
    assert 'type="password"' not in response.text


def test_changing_a_role_and_deactivating_go_through_the_audited_service(office, staff):
    sam = in_role(StaffFactory(first_name="Sam", last_name="Reyes"), CREW_LEAD.name)

    response = office.post(page_of(sam), {"role": ACCOUNT_MANAGER.name}, follow=True)

    sam.refresh_from_db()
    assert response.redirect_chain == [(page_of(sam), 302)]
    assert "Sam Reyes saved." in response.text
    assert not sam.is_active
    assert list(sam.groups.values_list("name", flat=True)) == [ACCOUNT_MANAGER.name]
    assert AuditEntry.objects.get(action="user.changed").actor == staff


def test_the_form_has_no_password_and_no_superuser_field(office):
    sam = in_role(StaffFactory(), CREW_LEAD.name)
    response = office.get(page_of(sam))
    assert 'name="role"' in response.text
    assert 'type="password"' not in response.text
    assert "is_superuser" not in response.text


def test_the_last_office_manager_is_refused_with_the_reason_and_the_choice_kept(client):
    manager = in_role(StaffFactory(first_name="Olga", last_name="Berg"), OFFICE_MANAGER.name)
    client.force_login(manager)

    response = client.post(page_of(manager), {"role": CREW_LEAD.name, "is_active": "on"})

    assert response.status_code == 200
    assert "Olga Berg is the last active Office manager" in response.text
    assert f'value="{CREW_LEAD.name}" required id="id_role_2" checked' in response.text
    assert manager.groups.get().name == OFFICE_MANAGER.name


def test_staff_who_may_only_view_cannot_change_anyone(client):
    sam = in_role(StaffFactory(), CREW_LEAD.name)
    client.force_login(staff_holding(VIEW))

    response = client.post(page_of(sam), {"role": OFFICE_MANAGER.name, "is_active": "on"})

    assert response.status_code == 403
    assert sam.groups.get().name == CREW_LEAD.name


def test_a_customer_account_is_not_a_staff_member(office, alice):
    assert office.get(page_of(alice)).status_code == 404


def test_a_staff_member_s_page_runs_a_bounded_number_of_queries(office):
    sam = in_role(StaffFactory(), CREW_LEAD.name)
    assert_queries_do_not_grow(
        office,
        page_of(sam),
        add_rows=lambda n: TOTPDevice.objects.bulk_create(
            TOTPDevice(user=sam, name=f"Phone {i}", confirmed=True) for i in range(n)
        ),
    )


# --- Adding ------------------------------------------------------------------


def sam_reyes(email: str, role: str) -> dict[str, str]:
    return {"first_name": "Sam", "last_name": "Reyes", "email": email, "role": role}


def test_adding_a_staff_member_says_we_emailed_them_a_link_to_set_their_password(office, staff):
    response = office.post(ADD, sam_reyes("sam@greenway.example", CREW_LEAD.name), follow=True)

    sam = User.objects.get(email="sam@greenway.example")
    assert response.redirect_chain == [(page_of(sam), 302)]
    assert "Sam Reyes was added as Crew lead." in response.text
    assert "We emailed Sam Reyes a link to set their password." in response.text
    assert "changepassword" not in response.text
    assert sam.is_staff and not sam.has_usable_password()
    assert AuditEntry.objects.get(action="user.created").actor == staff


def test_the_add_form_keeps_what_was_typed_on_error(office, staff):
    response = office.post(ADD, sam_reyes("jane@greenway.example", ACCOUNT_MANAGER.name))

    assert response.status_code == 200
    assert "Someone already signs in with jane@greenway.example." in response.text
    assert 'value="Sam"' in response.text
    assert f'value="{ACCOUNT_MANAGER.name}" required id="id_role_1" checked' in response.text
    assert escape(OFFICE_MANAGER.description) in response.text
    assert User.objects.filter(is_staff=True).count() == 1


def test_adding_needs_add_and_change_permissions(client):
    client.force_login(staff_holding(VIEW, "accounts.add_user"))
    assert client.get(ADD).status_code == 403
