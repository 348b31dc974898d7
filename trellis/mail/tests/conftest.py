import pytest


@pytest.fixture
def office(client, staff):
    """A browser signed in to the back office as Jane (staff, every permission)."""
    client.force_login(staff)
    return client


@pytest.fixture
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def failing_email(settings):
    """A mail server that refuses every connection."""
    settings.EMAIL_BACKEND = "trellis.mail.tests.backends.RefusingBackend"
