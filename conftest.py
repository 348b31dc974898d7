import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # Argon2 is deliberately slow; the tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request leaves its language active in the thread (LocaleMiddleware
    # activates one per request and never resets it); tests start in English.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
