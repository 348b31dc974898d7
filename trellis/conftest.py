import pytest
from django.test import Client, override_settings

from trellis.company.models import Company
from trellis.testing.factories import ContactFactory, CustomerAccountFactory, StaffFactory
from trellis.testing.sign_in import login_with_both_factors, password_only_login
from trellis.testing.static_files import (  # noqa: F401 (fixtures for every test)
    collected_static_files,
    production_static_files,
    production_storages,
)


@pytest.fixture(autouse=True)
def _force_login_passes_both_factors(monkeypatch):
    """In tests, force_login stands for a complete sign-in: the password and,
    for an account with two-factor sign-in, its code (trellis/accounts/two_factor.py).
    Tests of the second step itself use `password_only`."""
    monkeypatch.setattr(Client, "force_login", login_with_both_factors)


@pytest.fixture
def password_only(_force_login_passes_both_factors, monkeypatch):
    """force_login signs in with the password only, leaving the second factor to the test."""
    monkeypatch.setattr(Client, "force_login", password_only_login)


@pytest.fixture
def greenway(db):
    """The company, Greenway Landscaping, sending from its own verified domain."""
    company = Company.load()
    company.name = "Greenway Landscaping"
    company.sending_address = "portal@greenway.example"
    company.verified_sending_domains = ["greenway.example"]
    company.save()
    return company


@pytest.fixture
def staff(db):
    """Jane: a staff member of the company, with every permission."""
    return StaffFactory(email="jane@greenway.example", is_superuser=True)


@pytest.fixture
def alice(db):
    """Alice: a verified customer (she has a portal account)."""
    return CustomerAccountFactory(
        contact=ContactFactory(first_name="Alice", last_name="Arnold", email="alice@example.com")
    )


@pytest.fixture
def charlie(db):
    """Charlie: a contact with no portal account and no roles; a stranger to Alice's data."""
    return ContactFactory(first_name="Charlie", last_name="Chen", email="charlie@example.com")


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploads and stored PDFs go to the run's own folder, never data/media
    (a test or a module's world may choose a folder of its own)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield
