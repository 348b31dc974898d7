import pytest
from django.test import Client

from trellis.testing.factories import DEFAULT_PASSWORD


def sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post("/sign-in/", {"email": email, "password": password}, **extra)


@pytest.fixture
def alice_client(client, alice):
    response = sign_in(client, alice.contact.email)
    assert response.status_code == 302, response.content
    return client
