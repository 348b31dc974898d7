import pytest

from trellis.testing.sign_in import sign_in


@pytest.fixture
def alice_client(client, alice):
    response = sign_in(client, alice.contact.email)
    assert response.status_code == 302, response.content
    return client
