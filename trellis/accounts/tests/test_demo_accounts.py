import io

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.management.commands.demo_accounts import (
    CUSTOMER_PASSWORD,
    STAFF_PASSWORD,
)
from trellis.accounts.models import User
from trellis.accounts.two_factor import totp_key_text, two_factor_enabled
from trellis.imports.services import import_document, parse_document

pytestmark = pytest.mark.django_db

DEMO = django_settings.BASE_DIR / "demo" / "demo.json"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    import_document(data=parse_document(DEMO.read_bytes()))


def run_demo_accounts():
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    return out.getvalue()


def test_it_refuses_to_run_unless_debug_is_on(demo, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        run_demo_accounts()

    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(contact__isnull=False).exists()


def test_it_gives_the_demo_staff_their_roles_and_the_printed_password(demo):
    out = run_demo_accounts()

    for email, role, superuser in [
        ("jane.smith@greenway.example", "Office manager", True),
        ("omar.haddad@greenway.example", "Account manager", False),
    ]:
        user = User.objects.get(email=email)
        assert user.is_staff
        assert user.is_superuser is superuser
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(STAFF_PASSWORD)
        assert email in out and role in out
    assert f"password: {STAFF_PASSWORD}" in out


def test_it_gives_three_contacts_a_portal_account_without_an_email_of_its_own(demo):
    out = run_demo_accounts()

    accounts = User.objects.filter(contact__isnull=False).select_related("contact")
    assert sorted(a.contact.external_id for a in accounts) == ["C-1001", "C-1003", "C-1014"]
    for account in accounts:
        assert account.email is None
        assert not account.is_staff
        assert account.check_password(CUSTOMER_PASSWORD)
        assert account.login_email in out
    assert "maria.lopez@example.com" in out
    assert f"password: {CUSTOMER_PASSWORD}" in out


def test_running_it_twice_gives_the_same_accounts(demo):
    run_demo_accounts()
    users = sorted(User.objects.values_list("pk", "email", "contact_id", "is_superuser"))

    run_demo_accounts()

    assert sorted(User.objects.values_list("pk", "email", "contact_id", "is_superuser")) == users


def test_it_says_to_import_the_demo_first_when_it_is_missing(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match=r"run `trellis import demo/demo.json` first"):
        run_demo_accounts()


def test_running_it_again_keeps_a_password_changed_since_and_the_session_with_it(demo, client):
    run_demo_accounts()
    maria = User.objects.get(contact__external_id="C-1001")
    maria.set_password("maria-chose-this-one")
    maria.save()
    client.force_login(maria)

    out = run_demo_accounts()

    maria.refresh_from_db()
    assert maria.check_password("maria-chose-this-one")
    assert "maria.lopez@example.com  (Maria Lopez)  - keeps the password set since" in out
    assert client.get("/").status_code == 200  # still signed in: no sign-in page
    assert client.get("/").wsgi_request.user == maria


def test_the_demo_staff_get_an_authenticator_app_and_are_told_how_to_get_its_codes(demo):
    out = run_demo_accounts()

    for email in ("jane.smith@greenway.example", "omar.haddad@greenway.example"):
        user = User.objects.get(email=email)
        assert two_factor_enabled(user)
        assert f"{email}  key: {totp_key_text(TOTPDevice.objects.get(user=user))}" in out
    assert "trellis totp_code jane.smith@greenway.example" in out


def test_running_it_again_keeps_the_staffs_authenticator_key(demo):
    run_demo_accounts()
    keys = sorted(TOTPDevice.objects.values_list("user_id", "key"))

    run_demo_accounts()

    assert sorted(TOTPDevice.objects.values_list("user_id", "key")) == keys
