import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # Argon2 is deliberately slow; the tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
