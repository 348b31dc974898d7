import pytest


@pytest.fixture
def failing_email(settings):
    """A mail server that refuses every connection."""
    settings.EMAIL_BACKEND = "trellis.mail.tests.backends.RefusingBackend"
